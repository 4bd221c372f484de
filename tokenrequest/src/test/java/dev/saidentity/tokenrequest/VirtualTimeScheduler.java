package dev.saidentity.tokenrequest;

import dev.saidentity.testing.SettableClock;
import java.time.Instant;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A discrete-event scheduler in virtual time for simulations of many keys: {@link #runUntil} runs the
 * due tasks in order of their due time (ties in order of scheduling), setting the clock to each task's
 * due time before running it, then leaves the clock at the target. A priority queue makes each
 * schedule and run O(log n), where {@link ManualScheduler} scans its tasks; cancelled tasks are
 * dropped when they reach the head. One thread only (the simulation's): not thread-safe.
 */
final class VirtualTimeScheduler extends AbstractExecutorService implements ScheduledExecutorService {

  private final SettableClock clock;
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long sequence;
  private boolean shutdown;
  private long ran;

  VirtualTimeScheduler(SettableClock clock) {
    this.clock = clock;
  }

  /** Runs every task due at or before {@code millis}, each at its own due time; the clock ends at {@code millis}. */
  void runUntil(long millis) {
    for (Task t = queue.peek(); t != null && t.dueMillis <= millis; t = queue.peek()) {
      queue.poll();
      if (t.cancelled) {
        continue;
      }
      if (t.dueMillis > clock.millis()) {
        clock.set(Instant.ofEpochMilli(t.dueMillis));
      }
      t.run();
      ran++;
    }
    if (millis > clock.millis()) {
      clock.set(Instant.ofEpochMilli(millis));
    }
  }

  /** Tasks run so far. */
  long ran() {
    return ran;
  }

  /** Tasks scheduled and neither run nor cancelled. */
  int pending() {
    return (int) queue.stream().filter(t -> !t.cancelled).count();
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

  private Task add(Task t) {
    if (shutdown) {
      throw new RejectedExecutionException("shut down");
    }
    queue.add(t);
    return t;
  }

  /** Timers only: the provider never hands work to its scheduler. */
  @Override
  public void execute(Runnable command) {
    throw new UnsupportedOperationException("a timer, not an executor");
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    queue.clear();
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shutdown;
  }

  private final class Task implements ScheduledFuture<Object>, Runnable {
    final Runnable command;
    final long periodMillis;
    final long seq = sequence++;
    long dueMillis;
    boolean cancelled;
    boolean done;

    Task(Runnable command, long dueMillis, long periodMillis) {
      this.command = command;
      this.dueMillis = dueMillis;
      this.periodMillis = periodMillis;
    }

    @Override
    public void run() {
      command.run();
      if (periodMillis > 0 && !cancelled && !shutdown) {
        dueMillis = clock.millis() + periodMillis;
        queue.add(this);
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
      Task t = (Task) o;
      int c = Long.compare(dueMillis, t.dueMillis);
      return c != 0 ? c : Long.compare(seq, t.seq);
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
