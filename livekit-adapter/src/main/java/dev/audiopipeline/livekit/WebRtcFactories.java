package dev.audiopipeline.livekit;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.AudioDeviceModule;
import dev.onvoid.webrtc.media.audio.AudioLayer;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide webrtc-java factories. They are created once, on first use, and live until the
 * JVM exits, by design:
 *
 * <ul>
 *   <li>webrtc-java 0.14.0 leaks about 4 native threads and 1.2 MB per created and disposed
 *       factory, so one per room would grow without bound;
 *   <li>receiving needs a {@link HeadlessAudioDeviceModule} (its play thread pulls decoded audio
 *       into the track sinks; a dummy ADM delivers nothing). {@code initPlayout/startPlayout} are
 *       never called: WebRTC starts playout itself when the first receive stream appears, whereas
 *       calling them before the factory exists gives silence;
 *   <li>sending (TTS back into a room, later) must use a second factory with the dummy audio layer:
 *       a send stream on a factory whose ADM records aborts the JVM in 0.14.0;
 *   <li>the no-argument factory aborts the JVM on a machine without a sound server, so it is never
 *       used.
 * </ul>
 *
 * <p>Every peer connection of every room in the process is created from these factories. The native
 * threads they own (signaling, worker, network, the ADM play thread) are therefore shared and are
 * not stopped by closing a room.
 *
 * <p><b>JVM exit.</b> webrtc-java attaches each native thread that calls into Java (the signaling
 * thread for peer-connection callbacks, the ADM play thread for track sinks) as a
 * <em>non-daemon</em> thread and detaches it only when the native thread ends; so a program whose
 * rooms have all closed would never exit by itself. A daemon watcher ({@value #WATCHER_NAME})
 * therefore waits until no peer connection is open and every remaining non-daemon thread is such a
 * native thread (no Java frames: the program's own threads, {@code main} included, have ended),
 * then stops the ADM's playout and disposes the factories, which ends their threads; the JVM then
 * exits as if they had been daemon threads. A later room creates the factories again.
 */
final class WebRtcFactories {
  private static final Logger log = LoggerFactory.getLogger(WebRtcFactories.class);

  static final String WATCHER_NAME = "audio-pipeline-webrtc-exit-watcher";
  private static final long WATCH_INTERVAL_MS = 250;

  private static @Nullable PeerConnectionFactory receiving;
  private static @Nullable HeadlessAudioDeviceModule receivingAdm;
  private static @Nullable PeerConnectionFactory sending;
  private static @Nullable AudioDeviceModule sendingAdm;
  private static @Nullable Thread watcher;

  /** Peer connections created from the factories and not yet closed. */
  private static int open;

  private WebRtcFactories() {}

  /** The factory for subscriber peer connections (headless ADM). */
  static synchronized PeerConnectionFactory receiving() {
    PeerConnectionFactory f = receiving;
    if (f == null) {
      long t0 = System.nanoTime();
      try {
        HeadlessAudioDeviceModule adm = new HeadlessAudioDeviceModule();
        f = new PeerConnectionFactory(adm);
        receivingAdm = adm;
      } catch (Throwable e) { // UnsatisfiedLinkError, java.lang.Error from native init
        throw new AudioPipelineException(
            "cannot load webrtc-java natives or create the receiving factory (linux-x86_64 needs"
                + " glibc >= 2.18 and libpulse0 libudev1 libx11-6 libxfixes3 libxrandr2"
                + " libxcomposite1 libdbus-1-3; a noexec java.io.tmpdir breaks loading): "
                + e,
            e);
      }
      receiving = f;
      log.debug("webrtc receiving factory created in {} ms", (System.nanoTime() - t0) / 1_000_000);
      watchForExit();
    }
    return f;
  }

  /** The factory for publisher peer connections (dummy ADM: only pushed audio is sent). */
  static synchronized PeerConnectionFactory sending() {
    PeerConnectionFactory f = sending;
    if (f == null) {
      try {
        AudioDeviceModule adm = new AudioDeviceModule(AudioLayer.kDummyAudio);
        f = new PeerConnectionFactory(adm);
        sendingAdm = adm;
      } catch (Throwable e) {
        throw new AudioPipelineException("cannot create the webrtc-java sending factory: " + e, e);
      }
      sending = f;
      watchForExit();
    }
    return f;
  }

  /** A peer connection was created from one of the factories. */
  static synchronized void opened() {
    open++;
  }

  /** A peer connection was closed. */
  static synchronized void closed() {
    if (open > 0) {
      open--;
    }
  }

  /** Whether the factories exist (for tests). */
  static synchronized boolean alive() {
    return receiving != null || sending != null;
  }

  private static void watchForExit() {
    Thread w = watcher;
    if (w != null && w.isAlive()) {
      return;
    }
    w = NamedThreadFactory.thread(WATCHER_NAME, WebRtcFactories::watch); // a daemon
    watcher = w;
    w.start();
  }

  private static void watch() {
    try {
      while (true) {
        Thread.sleep(WATCH_INTERVAL_MS);
        synchronized (WebRtcFactories.class) {
          if (receiving == null && sending == null) {
            return;
          }
          if (open == 0 && onlyNativeThreadsRemain()) {
            disposeAll();
            return;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * True when every live non-daemon thread but this one runs no Java code: attached native threads
   * (webrtc's, idle in native code) and {@code DestroyJavaVM}, which waits for them. A program
   * thread, {@code main} included, always has a Java frame.
   */
  private static boolean onlyNativeThreadsRemain() {
    ThreadGroup root = Thread.currentThread().getThreadGroup();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    Thread[] threads = new Thread[root.activeCount() + 16];
    int n = root.enumerate(threads, true);
    boolean nativeOnly = false;
    for (int i = 0; i < n; i++) {
      Thread t = threads[i];
      if (t == Thread.currentThread() || t.isDaemon() || !t.isAlive()) {
        continue;
      }
      if (t.getStackTrace().length > 0) {
        return false;
      }
      nativeOnly = true;
    }
    return nativeOnly;
  }

  /** Stops the play thread and the factories' threads; their attached Java threads end. */
  private static void disposeAll() {
    log.debug(
        "no room open and the program has ended: disposing the webrtc factories so the"
            + " JVM can exit");
    HeadlessAudioDeviceModule adm = receivingAdm;
    if (adm != null) {
      quietly("stop playout", adm::stopPlayout);
    }
    PeerConnectionFactory r = receiving;
    if (r != null) {
      quietly("dispose the receiving factory", r::dispose);
    }
    PeerConnectionFactory s = sending;
    if (s != null) {
      quietly("dispose the sending factory", s::dispose);
    }
    receiving = null;
    receivingAdm = null;
    sending = null;
    sendingAdm = null;
  }

  private static void quietly(String what, Runnable r) {
    try {
      r.run();
    } catch (Throwable e) { // webrtc-java throws Error when a closed PC still holds a reference
      log.debug("webrtc: {} failed: {}", what, e.toString());
    }
  }
}
