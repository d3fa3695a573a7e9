package dev.audiopipeline.livekit;

import dev.audiopipeline.AudioPipelineException;
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
 * <p>Every peer connection of every room in the process is created from these factories. The
 * native threads they own (signaling, worker, network, the ADM play thread) are therefore shared
 * and are not stopped by closing a room.
 */
final class WebRtcFactories {
  private static final Logger log = LoggerFactory.getLogger(WebRtcFactories.class);

  private static @Nullable PeerConnectionFactory receiving;
  private static @Nullable PeerConnectionFactory sending;

  private WebRtcFactories() {}

  /** The factory for subscriber peer connections (headless ADM). */
  static synchronized PeerConnectionFactory receiving() {
    PeerConnectionFactory f = receiving;
    if (f == null) {
      long t0 = System.nanoTime();
      try {
        HeadlessAudioDeviceModule adm = new HeadlessAudioDeviceModule();
        f = new PeerConnectionFactory(adm);
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
    }
    return f;
  }

  /** The factory for publisher peer connections (dummy ADM: only pushed audio is sent). */
  static synchronized PeerConnectionFactory sending() {
    PeerConnectionFactory f = sending;
    if (f == null) {
      try {
        f = new PeerConnectionFactory(new AudioDeviceModule(AudioLayer.kDummyAudio));
      } catch (Throwable e) {
        throw new AudioPipelineException("cannot create the webrtc-java sending factory: " + e, e);
      }
      sending = f;
    }
    return f;
  }
}
