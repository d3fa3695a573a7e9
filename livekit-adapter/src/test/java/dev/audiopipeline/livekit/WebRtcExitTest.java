package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A program whose peer connections are closed and whose {@code main} has returned exits by itself,
 * although webrtc-java attached its native threads to the JVM as non-daemon threads. Runs in a
 * child JVM; no network traffic (an offer is created, never sent).
 */
class WebRtcExitTest {

  /** The child: a peer connection whose callbacks attach the signaling thread, then close. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      PeerConnectionFactory factory = WebRtcFactories.receiving();
      RTCPeerConnection pc =
          factory.createPeerConnection(
              new RTCConfiguration(),
              new PeerConnectionObserver() {
                @Override
                public void onIceCandidate(RTCIceCandidate candidate) {}
              });
      WebRtcFactories.opened();
      AudioTrack track = factory.createAudioTrack("exit-test", new CustomAudioSource());
      RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
      init.direction = RTCRtpTransceiverDirection.RECV_ONLY;
      pc.addTransceiver(track, init);
      CompletableFuture<String> offer = new CompletableFuture<>();
      pc.createOffer(
          new RTCOfferOptions(),
          new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
              // runs on webrtc's signaling thread: from now on it is an attached non-daemon thread
              offer.complete(
                  Thread.currentThread().getName()
                      + " daemon="
                      + Thread.currentThread().isDaemon());
            }

            @Override
            public void onFailure(String error) {
              offer.completeExceptionally(new IllegalStateException(error));
            }
          });
      System.out.println("callback on " + offer.get(30, TimeUnit.SECONDS));
      pc.close();
      WebRtcFactories.closed();
      System.out.println("main returns");
    }
  }

  @Test
  void theJvmExitsOnceThePeerConnectionsAreClosedAndMainHasReturned() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Child.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    long t0 = System.nanoTime();
    boolean exited = p.waitFor(30, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    String out =
        exited
            ? new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            : "(still running)";
    if (!exited) {
      dumpThreads(p);
      p.destroyForcibly();
    }
    System.out.printf("child exited=%s after %.2f s: %s%n", exited, seconds, out);
    assertThat(exited).as("the child JVM exited by itself; output: %s", out).isTrue();
    assertThat(out).contains("callback on", "daemon=false", "main returns");
    assertThat(p.exitValue()).isZero();
  }

  private static void dumpThreads(Process p) throws IOException, InterruptedException {
    Process jstack =
        new ProcessBuilder("jstack", Long.toString(p.pid())).redirectErrorStream(true).start();
    if (jstack.waitFor(20, TimeUnit.SECONDS)) {
      System.out.println(
          new String(jstack.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
