package dev.audiopipeline.examples.live;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.InfoCmp;
import org.jline.utils.NonBlockingReader;
import org.jspecify.annotations.Nullable;

/**
 * The full-screen terminal view ({@code --tui}): draws a {@link LiveModel} with {@link
 * ScreenLayout} {@link #FPS} times a second on the terminal's alternate screen, rewriting only the
 * rows that changed, and reads single keys.
 *
 * <p>JLine puts the terminal in raw mode (keys arrive one by one, no echo) but keeps signal
 * generation on, so Ctrl-C is an ordinary SIGINT for the program's own shutdown hook (JLine is kept
 * away from the process's signal handlers). The terminal is restored (normal screen, cursor, modes)
 * by {@link #close()}, which a shutdown hook also calls: on a normal exit, on Ctrl-C/SIGTERM and
 * after an error. The size is read every frame; a new size redraws everything.
 *
 * <p>Threads: {@code live-tui-render} draws, {@code live-tui-keys} reads keys; both stop on close.
 */
public final class TerminalView implements AutoCloseable {
  /** Redraws per second. */
  public static final int FPS = 25;

  private final Terminal terminal;
  private final Attributes original;
  private final LiveModel model;
  private final String title;
  private final String keysHelp;
  private final Map<Character, Runnable> keys;
  private final PrintWriter w;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final java.util.concurrent.CountDownLatch restored =
      new java.util.concurrent.CountDownLatch(1);
  private final Thread render;
  private final Thread input;
  private final Thread restoreHook;
  private volatile boolean resized = true;
  private String[] shown = new String[0];

  /** What restores the screen, ready to write even after JLine has closed the terminal. */
  private final String restoreSequence;

  private int shownWidth;
  private final Object drawLock = new Object();
  private final long startNanos = System.nanoTime();
  private long frames;
  private final LinkedHashSet<String> drawnFinals = new LinkedHashSet<>();
  private final List<Long> latencyMicros = new ArrayList<>();
  private final @Nullable Runnable onClosed;
  private long cpuNanosAtClose; // guarded by drawLock
  private final java.io.PrintStream systemOut = System.out;
  private final java.io.PrintStream systemErr = System.err;
  private final java.io.PrintStream heldOut = HeldOutput.hold(System.out);
  private final java.io.PrintStream heldErr = HeldOutput.hold(System.err);

  /**
   * Checks that standard input and output are a terminal.
   *
   * @throws IllegalStateException with the message to print when they are not
   */
  public static void requireTerminal(String option) {
    if (System.console() == null) {
      throw new IllegalStateException(
          option
              + " needs a terminal: standard input and output must both be a terminal, not a"
              + " pipe or a file (run without "
              + option
              + " for line output)");
    }
  }

  private TerminalView(
      Terminal terminal,
      LiveModel model,
      String title,
      String keysHelp,
      Map<Character, Runnable> keys,
      @Nullable Runnable onClosed) {
    this.terminal = terminal;
    this.model = model;
    this.title = title;
    this.keysHelp = keysHelp;
    this.keys = Map.copyOf(keys);
    this.onClosed = onClosed;
    this.w = terminal.writer();
    this.original = terminal.enterRawMode();
    Attributes raw = terminal.getAttributes();
    raw.setLocalFlag(Attributes.LocalFlag.ISIG, true); // Ctrl-C stays SIGINT
    terminal.setAttributes(raw);
    // log lines (slf4j-simple prints to System.err) would garble the screen: held until close
    System.setOut(heldOut);
    System.setErr(heldErr);
    this.restoreSequence =
        tputs(terminal, InfoCmp.Capability.cursor_visible)
            + tputs(terminal, InfoCmp.Capability.exit_ca_mode);
    terminal.puts(InfoCmp.Capability.enter_ca_mode);
    terminal.puts(InfoCmp.Capability.cursor_invisible);
    terminal.flush();
    this.restoreHook = new Thread(this::close, "live-tui-restore");
    Runtime.getRuntime().addShutdownHook(restoreHook);
    this.render = new Thread(this::renderLoop, "live-tui-render");
    this.render.setDaemon(true);
    this.input = new Thread(this::inputLoop, "live-tui-keys");
    this.input.setDaemon(true);
    render.start();
    input.start();
  }

  /**
   * Opens the system terminal and starts drawing.
   *
   * @param keys what each key does (called on the key thread)
   * @param onClosed run once the terminal is restored (e.g. to release held output)
   * @throws IllegalStateException if there is no terminal ({@link #requireTerminal})
   * @throws IOException if the terminal cannot be opened
   */
  public static TerminalView open(
      LiveModel model,
      String title,
      String keysHelp,
      Map<Character, Runnable> keys,
      @Nullable Runnable onClosed)
      throws IOException {
    Terminal t =
        TerminalBuilder.builder()
            .system(true)
            .dumb(false)
            // JLine must not touch the process's signal handlers: its SIG_DFL for INT would kill
            // the JVM without running the shutdown hooks (no terminal restore, no summary).
            // Resizes are noticed by reading the size every frame instead of by SIGWINCH.
            .nativeSignals(false)
            .build();
    try {
      return new TerminalView(t, model, title, keysHelp, keys, onClosed);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  private void renderLoop() {
    long period = 1_000_000_000L / FPS;
    long next = System.nanoTime();
    while (!closed.get()) {
      try {
        draw();
      } catch (RuntimeException e) {
        model.status(
            s ->
                new LiveModel.Status(
                    s.connection(),
                    s.reconnects(),
                    s.providerReconnects(),
                    s.muted(),
                    s.volume(),
                    "view: " + e,
                    s.done()));
      }
      next += period;
      long sleep = next - System.nanoTime();
      if (sleep < -period) {
        next = System.nanoTime(); // fell behind (a loaded machine): do not catch up in a burst
      } else if (sleep > 0) {
        try {
          Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private void draw() {
    synchronized (drawLock) {
      if (closed.get()) {
        return;
      }
      Size size = terminal.getSize();
      int width = size.getColumns() > 0 ? size.getColumns() : 80;
      int height = size.getRows() > 0 ? size.getRows() : 24;
      List<String> rows = ScreenLayout.render(model, title, keysHelp, width, height);
      StringBuilder out = new StringBuilder();
      if (resized || shown.length != rows.size() || width != shownWidth) {
        resized = false;
        shownWidth = width;
        shown = new String[rows.size()];
        out.append("\033[2J");
      }
      for (int i = 0; i < rows.size(); i++) {
        String row = rows.get(i);
        if (!row.equals(shown[i])) {
          out.append("\033[").append(i + 1).append(";1H").append(row).append("\033[0m\033[K");
          shown[i] = row;
        }
      }
      if (out.length() > 0) {
        w.write(out.toString());
        w.flush();
      }
      frames++;
      long now = System.nanoTime();
      for (LiveModel.Line l : model.lines(height)) {
        if (l.isFinal() && drawnFinals.add(l.key())) {
          if (latencyMicros.size() < 100_000) {
            latencyMicros.add((now - l.updatedNanos()) / 1000);
          }
          if (drawnFinals.size() > 10_000) {
            drawnFinals.remove(drawnFinals.iterator().next());
          }
        }
      }
    }
  }

  private void inputLoop() {
    NonBlockingReader r = terminal.reader();
    while (!closed.get()) {
      int c;
      try {
        c = r.read(100);
      } catch (IOException e) {
        return;
      }
      if (c < 0) {
        continue;
      }
      Runnable action = keys.get((char) c);
      if (action != null) {
        action.run();
      }
    }
  }

  private static String tputs(Terminal t, InfoCmp.Capability c) {
    String cap = t.getStringCapability(c);
    return cap == null ? "" : org.jline.utils.Curses.tputs(cap);
  }

  /** Frames drawn per second since the view opened. */
  public double framesPerSecond() {
    synchronized (drawLock) {
      return frames / Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
    }
  }

  /**
   * One line for after the view has closed: frames per second and the latency of each final from
   * its arrival in the model to the frame that first showed it (median and maximum).
   */
  public String summary() {
    if (!closed.get()) {
      long cpu = ThreadCpu.nanos("live-tui-");
      synchronized (drawLock) {
        cpuNanosAtClose = cpu; // so far
      }
    }
    synchronized (drawLock) {
      long[] l = latencyMicros.stream().mapToLong(Long::longValue).toArray();
      Arrays.sort(l);
      String latency =
          l.length == 0
              ? "no finals shown"
              : String.format(
                  Locale.ROOT,
                  "final -> screen median %.1f ms, max %.1f ms over %d finals",
                  l[l.length / 2] / 1000.0,
                  l[l.length - 1] / 1000.0,
                  l.length);
      double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
      return String.format(
          Locale.ROOT,
          "view: %d frames, %.1f/s, CPU %.2f %% of a core over %.0f s; %s",
          frames,
          frames / seconds,
          cpuNanosAtClose / 1e9 / seconds * 100,
          seconds,
          latency);
    }
  }

  /** Restores the terminal and stops the threads. Idempotent; safe from a shutdown hook. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      try { // another thread (a shutdown hook) is restoring: return once the screen is back
        restored.await(2, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    synchronized (drawLock) {
      cpuNanosAtClose = ThreadCpu.nanos("live-tui-");
    }
    render.interrupt();
    synchronized (drawLock) {
      try {
        terminal.puts(InfoCmp.Capability.cursor_visible);
        terminal.puts(InfoCmp.Capability.exit_ca_mode);
        terminal.flush();
        terminal.setAttributes(original);
      } catch (RuntimeException e) {
        // On Ctrl-C JLine's own shutdown hook may have closed the terminal first (it restores the
        // modes itself): the screen and the cursor are put back by writing the sequences directly.
        try {
          java.io.FileOutputStream fd = new java.io.FileOutputStream(java.io.FileDescriptor.out);
          fd.write(restoreSequence.getBytes(java.nio.charset.StandardCharsets.UTF_8));
          fd.flush();
        } catch (IOException gone) {
          // the terminal itself is gone (a closed pty): nothing left to restore
        }
      }
    }
    try {
      input.join(500);
      terminal.close();
    } catch (IOException e) {
      // as above
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (Thread.currentThread() != restoreHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(restoreHook);
      } catch (IllegalStateException e) {
        // shutting down: the hook is running or has run
      }
    }
    if (System.out == heldOut) {
      System.setOut(systemOut);
    }
    if (System.err == heldErr) {
      System.setErr(systemErr);
    }
    HeldOutput.release(heldOut);
    HeldOutput.release(heldErr);
    if (onClosed != null) {
      onClosed.run();
    }
    restored.countDown();
  }
}
