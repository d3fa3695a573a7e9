package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.audio.AudioFormat;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSessionDescription;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The speak API's checks and the publisher transport's bounds, without a server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpeakTest {
  private static LiveKitRoomSource.Builder builder() {
    return LiveKitRoomSource.builder()
        .url("ws://127.0.0.1:7880")
        .apiKey("test-key")
        .apiSecret("test-secret-not-real")
        .room("r1")
        .identity("bot-7");
  }

  @Test
  void speakingBeforeTheSourceStartsIsRefusedSayingWhatToDo() {
    LiveKitRoomSource room = builder().build();
    assertThatThrownBy(
            () ->
                room.speak(
                    s -> s.onComplete(), // never subscribed
                    "hello"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not started")
        .hasMessageContaining("transcription session");
    assertThat(room.isSpeaking()).isFalse();
  }

  @Test
  void blankTextAndLabelsAreRefused() {
    LiveKitRoomSource room = builder().build();
    assertThatThrownBy(() -> room.speak(s -> s.onComplete(), "  "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> builder().speakerLabel(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("speakerLabel");
  }

  @Test
  void theBotsLabelDefaultsToItsIdentity() {
    assertThat(builder().build().speakerLabel()).isEqualTo("bot-7");
    assertThat(builder().speakerLabel("interviewer").build().speakerLabel())
        .isEqualTo("interviewer");
  }

  @Test
  void aCancelledTextIsCutAtTheEndOfTheWordBegun() {
    assertThat(SpeechTrack.toWordEnd("tell me about it", 0)).isEmpty();
    assertThat(SpeechTrack.toWordEnd("tell me about it", 1)).isEqualTo("tell");
    assertThat(SpeechTrack.toWordEnd("tell me about it", 5)).isEqualTo("tell ");
    assertThat(SpeechTrack.toWordEnd("tell me about it", 9)).isEqualTo("tell me about");
    assertThat(SpeechTrack.toWordEnd("tell me about it", 99)).isEqualTo("tell me about it");
  }

  @Test
  void ttsChunksInAnyFormatAreAccepted() {
    // the converter the speech track uses takes every TTS format to 48 kHz mono
    for (AudioFormat f :
        List.of(
            AudioFormat.MONO_16K,
            new AudioFormat(22_050, 1),
            new AudioFormat(24_000, 1),
            new AudioFormat(44_100, 2))) {
      assertThat(dev.audiopipeline.audio.AudioConverter.isSupported(f, SpeechTrack.FORMAT))
          .as(f.toString())
          .isTrue();
    }
    assertThat(new TtsChunk(AudioFormat.MONO_16K, new byte[320], List.of()).durationMicros())
        .isEqualTo(10_000);
  }

  @Test
  void reliableDataIsBoundedRefusedNotDroppedAndTheFirstPacketNegotiates() throws Exception {
    ExecutorService events = Executors.newSingleThreadExecutor();
    CompletableFuture<RTCSessionDescription> offer = new CompletableFuture<>();
    PublisherTransport.Callbacks callbacks =
        new PublisherTransport.Callbacks() {
          @Override
          public void onPublisherCandidate(RTCIceCandidate candidate) {}

          @Override
          public void onPublisherOffer(RTCSessionDescription o, int offerId) {
            offer.complete(o);
          }

          @Override
          public void onPublisherState(RTCPeerConnectionState state) {}

          @Override
          public void onPublisherNegotiationFailed(String what) {
            offer.completeExceptionally(new AssertionError(what));
          }
        };
    PublisherTransport[] holder = new PublisherTransport[1];
    events
        .submit(
            () ->
                holder[0] =
                    new PublisherTransport(
                        "test", WebRtcFactories.sending(), List.of(), false, events, callbacks))
        .get(20, TimeUnit.SECONDS);
    PublisherTransport pub = holder[0];
    try {
      assertThatThrownBy(() -> pub.sendReliable(new byte[PublisherTransport.MAX_PACKET_BYTES + 1]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("1..65536 bytes");
      // nothing answers the offer: the channel never opens, so everything stays queued
      int accepted = 0;
      while (pub.sendReliable(new byte[32 * 1024])) {
        accepted++;
        assertThat(accepted).isLessThanOrEqualTo(32);
      }
      assertThat(accepted).isEqualTo(32); // 1 MiB in 32 KiB packets
      assertThat(pub.refusedPackets()).isEqualTo(1);
      RTCSessionDescription o = offer.get(20, TimeUnit.SECONDS);
      assertThat(o.sdp).contains("m=application").contains("webrtc-datachannel");
      assertThat(pub.sentPackets()).isZero();
    } finally {
      events.submit(pub::close).get(20, TimeUnit.SECONDS);
      events.shutdown();
    }
    assertThat(pub.discardedAtClose()).isEqualTo(32);
    assertThat(pub.sendReliable(new byte[10])).isFalse();
  }
}
