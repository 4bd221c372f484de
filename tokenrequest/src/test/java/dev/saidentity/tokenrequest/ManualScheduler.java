package dev.saidentity.tokenrequest;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scheduler that runs nothing by itself: a test runs the tasks due by the (settable) clock with
 * {@link #runDue()}, or never, to starve the timer. {@link #execute} only counts: work handed to it as
 * an executor never runs, so a test sees it. Thread-safe.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

  private final Clock clock;
  private final List<Task> tasks = new ArrayList<>(); // guarded by this
  private final AtomicInteger executed = new AtomicInteger();
  private boolean shutdown; // guarded by this

  ManualScheduler(Clock clock) {
    this.clock = clock;
  }

  /** Runs the tasks due by the clock (and those they schedule that are due too); returns how many ran. */
  int runDue() {
    int ran = 0;
    for (;;) {
      Task next = null;
      synchronized (this) {
        long now = clock.millis();
        for (Task t : tasks) {
          if (!t.isCancelled() && t.dueMillis <= now && (next == null || t.dueMillis < next.dueMillis)) {
            next = t;
          }
        }
        if (next == null) {
          tasks.removeIf(Task::isCancelled);
          return ran;
        }
        tasks.remove(next);
      }
      next.runOnce();
      ran++;
    }
  }

  /** Scheduled tasks neither cancelled nor run. */
  synchronized int pending() {
    return (int) tasks.stream().filter(t -> !t.isCancelled()).count();
  }

  /** How many runnables were handed to {@link #execute} (and never run). */
  int executed() {
    return executed.get();
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return add(new Task(command, clock.millis() + unit.toMillis(delay), 0));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return add(new Task(command, clock.millis() + unit.toMillis(initialDelay), Math.max(1, unit.toMillis(delay))));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return scheduleWithFixedDelay(command, initialDelay, period, unit);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("not used by the provider");
  }

  private synchronized Task add(Task t) {
    if (shutdown) {
      throw new RejectedExecutionException("shut down");
    }
    tasks.add(t);
    return t;
  }

  @Override
  public void execute(Runnable command) {
    executed.incrementAndGet();
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    tasks.clear();
    return List.of();
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isShutdown();
  }

  private final class Task implements ScheduledFuture<Object> {
    final Runnable command;
    final long periodMillis;
    volatile long dueMillis;
    volatile boolean cancelled;
    volatile boolean done;

    Task(Runnable command, long dueMillis, long periodMillis) {
      this.command = command;
      this.dueMillis = dueMillis;
      this.periodMillis = periodMillis;
    }

    void runOnce() {
      command.run();
      if (periodMillis > 0 && !cancelled) {
        dueMillis = clock.millis() + periodMillis;
        synchronized (ManualScheduler.this) {
          if (!shutdown) {
            tasks.add(this);
          }
        }
      } else {
        done = true;
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueMillis - clock.millis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.MILLISECONDS), o.getDelay(TimeUnit.MILLISECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean was = !cancelled && !done;
      cancelled = true;
      return was;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }
  }
}
