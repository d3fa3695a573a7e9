package dev.audiopipeline.examples.live;

import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.TurnDetector;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.livekit.LiveKitRoomSource;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The examples' live views in one place ({@code TranscribeInterview}, {@code InterviewBot}): the
 * terminal view ({@code --tui}) and the caption page ({@code --serve}), both fed from the session's
 * events, with meters on the 16 kHz audio the pipeline hands its turn detector. Without either
 * option every method is a no-op and the program behaves as before.
 */
public final class LiveViews implements AutoCloseable {
  private final boolean tui;
  private final @Nullable ServeAddress serve;
  private final String title;
  private final PrintStream out;
  private final PrintStream err;
  private final PrintStream realOut;
  private final LiveModel model = new LiveModel();
  private final MeteringTurnDetector.Streams streams = new MeteringTurnDetector.Streams();
  private final CountDownLatch dismissed = new CountDownLatch(1);
  private volatile @Nullable TranscriptionSession session;
  private @Nullable TerminalView view;
  private @Nullable CaptionServer server;
  private @Nullable RoomWatch roomWatch;

  private LiveViews(
      boolean tui, @Nullable ServeAddress serve, String title, PrintStream out, PrintStream err) {
    this.tui = tui;
    this.serve = serve;
    this.title = title;
    this.realOut = out;
    this.out = tui ? HeldOutput.hold(out) : out;
    this.err = tui ? HeldOutput.hold(err) : err;
  }

  /**
   * Prepares the views. With {@code tui}, checks for a terminal first.
   *
   * @throws IllegalStateException if {@code tui} and there is no terminal (the message says so)
   */
  public static LiveViews prepare(
      boolean tui, @Nullable ServeAddress serve, String title, PrintStream out, PrintStream err) {
    if (tui) {
      TerminalView.requireTerminal("--tui");
    }
    return new LiveViews(tui, serve, title, out, err);
  }

  /** Where the program prints: held back while the terminal view is open. */
  public PrintStream out() {
    return out;
  }

  /** Where the program prints errors: held back while the terminal view is open. */
  public PrintStream err() {
    return err;
  }

  /** Where each transcript line goes: nowhere while the terminal view shows them. */
  public PrintStream transcriptLines() {
    return tui ? new PrintStream(OutputStream.nullOutputStream()) : out;
  }

  /** The detector for the pipeline: {@code detector} wrapped to meter the audio, when viewing. */
  public @Nullable TurnDetector detector(@Nullable TurnDetector detector) {
    if (!tui && serve == null) {
      return detector;
    }
    return new MeteringTurnDetector(
        detector,
        id -> {
          String speaker = streams.speaker(id);
          return speaker == null ? null : model.meter(speaker);
        });
  }

  /**
   * Starts the views on {@code session} (before anything subscribes to its transcripts).
   *
   * @param finals the finals so far, for the page's downloads
   * @throws IOException if the page's port cannot be bound or the terminal cannot be opened
   */
  public void attach(
      TranscriptionSession session, AudioSource source, Supplier<List<Transcript>> finals)
      throws IOException {
    attach(session, source, finals, null);
  }

  /**
   * As {@link #attach(TranscriptionSession, AudioSource, Supplier)}, with {@code alongside}
   * receiving the session's events through the views' own subscription, so that neither misses the
   * first events (a session starts at its first subscriber). Without views, {@code alongside} alone
   * is subscribed. {@code alongside} must request everything.
   */
  public void attach(
      TranscriptionSession session,
      AudioSource source,
      Supplier<List<Transcript>> finals,
      Flow.@Nullable Subscriber<PipelineEvent> alongside)
      throws IOException {
    if (!tui && serve == null) {
      if (alongside != null) {
        session.events().subscribe(alongside);
      }
      return;
    }
    this.session = session;
    model.status(
        s ->
            new LiveModel.Status(
                source instanceof LiveKitRoomSource ? "joining" : "playing files",
                0,
                0,
                false,
                -1,
                null,
                false));
    SessionFeed feed = new SessionFeed(model, streams);
    session
        .events()
        .subscribe(alongside == null ? feed : new FanOut<PipelineEvent>(List.of(alongside, feed)));
    if (source instanceof LiveKitRoomSource room) {
      roomWatch = RoomWatch.start(room, model);
    }
    ServeAddress a = serve;
    if (a != null) {
      CaptionServer s = CaptionServer.start(model, finals, title, a.host(), a.port());
      server = s;
      realOut.println("Live captions: " + s.url());
      realOut.flush();
    }
    if (tui) {
      view =
          TerminalView.open(
              model,
              title,
              "q: end the transcription (then q: close)   Ctrl-C: stop and write the transcript",
              Map.of('q', this::quit, 'Q', this::quit),
              () -> {
                HeldOutput.release(out);
                HeldOutput.release(err);
              });
    }
  }

  private void quit() {
    if (model.status().done()) {
      dismissed.countDown();
      return;
    }
    TranscriptionSession s = session;
    if (s != null) {
      Thread t = new Thread(s::close, "transcribe-interview-quit");
      t.setDaemon(true);
      t.start();
    }
  }

  /**
   * After the report: with the terminal view, waits for {@code q}; with the page and {@code
   * keepServing} (files), serves until the process is stopped (Ctrl-C). Otherwise returns at once.
   */
  public void awaitDismissal(boolean keepServing) throws InterruptedException {
    model.status(
        s ->
            new LiveModel.Status(
                s.connection().equals("failed") ? s.connection() : "ended",
                s.reconnects(),
                s.providerReconnects(),
                s.muted(),
                s.volume(),
                tui ? "q closes the view" : s.note(),
                true));
    CaptionServer s = server;
    TerminalView v = view;
    // the cost while transcribing, apart from the idle view afterwards (the figures in the README)
    if (v != null) {
      err.println("while transcribing: " + v.summary());
    }
    if (s != null) {
      (tui ? err : realOut).println("while transcribing: " + s.summary());
    }
    if (tui) {
      dismissed.await();
    } else if (s != null && keepServing) {
      realOut.println("The transcript is done; the page stays at " + s.url() + " until Ctrl-C.");
      realOut.flush();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(() -> realOut.println(s.summary()), "caption-server-summary"));
      new CountDownLatch(1).await();
    }
  }

  /** Closes the views (the terminal is restored, held output printed). */
  @Override
  public void close() {
    TerminalView v = view;
    if (v != null) {
      v.close();
      err.println(v.summary());
    }
    RoomWatch w = roomWatch;
    if (w != null) {
      w.close();
    }
    CaptionServer s = server;
    if (s != null) {
      err.println(s.summary());
      s.close();
    }
    HeldOutput.release(out);
    HeldOutput.release(err);
  }
}
