package dev.saidentity.tokenrequest;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The fleet simulation's per-minute TokenRequest series as a PNG (JFreeChart, headless). */
final class FleetSimulationPlot {

  private FleetSimulationPlot() {}

  /** Writes the requests and failed requests per simulated minute, the outage shaded, to {@code png}. */
  static void write(FleetSimulation.Result r, FleetSimulation.Outage outage, String title, Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeries all = new XYSeries("TokenRequests per minute");
    XYSeries failed = new XYSeries("of which failed");
    for (int m = 0; m < r.minutes; m++) {
      all.add(m / 60.0, r.requests[m]);
      failed.add(m / 60.0, r.failures[m]);
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(all);
    data.addSeries(failed);
    JFreeChart chart = ChartFactory.createXYLineChart(title, "simulated hours", "TokenRequests per minute", data,
        PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    renderer.setSeriesPaint(0, new Color(0x1f77b4));
    renderer.setSeriesPaint(1, new Color(0xd62728));
    renderer.setSeriesStroke(0, new BasicStroke(1.0f));
    renderer.setSeriesStroke(1, new BasicStroke(1.0f));
    plot.setRenderer(renderer);
    plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD); // the failures over the total they are part of
    plot.getDomainAxis().setRange(0, r.minutes / 60.0);
    IntervalMarker down = new IntervalMarker(outage.startSecond() / 3600.0, outage.endSecond() / 3600.0, new Color(255, 200, 0, 90));
    down.setLabel("API outage");
    plot.addDomainMarker(down);
    Files.createDirectories(png.toAbsolutePath().getParent());
    ChartUtils.saveChartAsPNG(png.toFile(), chart, 1400, 600);
  }
}
