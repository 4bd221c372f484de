package dev.saidentity.tokenrequest;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * A fetch executor for tests: runs each task at once on the submitting thread, or, while held, keeps
 * the tasks until {@link #runHeld()}, so that a test can act while a fetch is claimed but not done.
 * Thread-safe.
 */
final class HoldingExecutor implements Executor {

  private final Queue<Runnable> held = new ArrayDeque<>(); // guarded by this
  private boolean holding; // guarded by this

  synchronized void hold() {
    holding = true;
  }

  /** Stops holding and runs what was held, on the calling thread; returns how many ran. */
  int runHeld() {
    int n = 0;
    for (;;) {
      Runnable r;
      synchronized (this) {
        r = held.poll();
        if (r == null) {
          holding = false;
          return n;
        }
      }
      r.run();
      n++;
    }
  }

  synchronized int held() {
    return held.size();
  }

  @Override
  public void execute(Runnable command) {
    synchronized (this) {
      if (holding) {
        held.add(command);
        return;
      }
    }
    command.run();
  }
}
