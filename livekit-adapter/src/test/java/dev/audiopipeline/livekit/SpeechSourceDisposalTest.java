package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.testing.Await;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import livekit.LivekitModels;
import livekit.LivekitRtc;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The native audio source the bot speaks into, and the track each publication wraps it in, are
 * disposed when the room closes: repeated open/speak/close cycles leave none behind. The signal
 * endpoint is a MockWebServer on 127.0.0.1 that joins the bot and never answers its {@code
 * AddTrackRequest}, so each utterance waits for its track with the source handed to the room, until
 * the close.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class SpeechSourceDisposalTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void openSpeakCloseCyclesLeaveNoNativeAudioSourceBehind() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              return new MockResponse.Builder()
                  .webSocketUpgrade(
                      new WebSocketListener() {
                        @Override
                        public void onOpen(WebSocket ws, Response response) {
                          LivekitRtc.SignalResponse join =
                              LivekitRtc.SignalResponse.newBuilder()
                                  .setJoin(
                                      LivekitRtc.JoinResponse.newBuilder()
                                          .setRoom(LivekitModels.Room.newBuilder().setName("r"))
                                          .setParticipant(
                                              LivekitModels.ParticipantInfo.newBuilder()
                                                  .setSid("PA_bot")
                                                  .setIdentity("speaking-bot"))
                                          .setSubscriberPrimary(true)
                                          .setPingInterval(5)
                                          .setPingTimeout(15))
                                  .build();
                          ws.send(ByteString.of(join.toByteArray()));
                        }

                        @Override
                        public void onClosing(WebSocket ws, int code, String reason) {
                          ws.close(1000, null);
                        }
                      })
                  .build();
            }
          });
      server.start(InetAddress.getByName("127.0.0.1"), 0);
      int before = LiveKitRoomSource.LIVE_SPEECH_SOURCES.get();
      int tracksBefore = RoomSession.LIVE_SPEECH_TRACKS.get();
      for (int cycle = 0; cycle < 3; cycle++) {
        LiveKitRoomSource source =
            LiveKitRoomSource.builder()
                .url("ws://127.0.0.1:" + server.getPort())
                .token("made.up.token")
                .closeTimeout(Duration.ofSeconds(1))
                .build();
        Utterance u;
        try {
          source.start(new RecordingListener());
          source.joined().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
          u =
              source.speak(
                  s ->
                      s.onSubscribe(
                          new java.util.concurrent.Flow.Subscription() {
                            private boolean sent;

                            @Override
                            public void request(long n) {
                              if (!sent) {
                                sent = true;
                                s.onNext(
                                    new TtsChunk(AudioFormat.MONO_16K, new byte[3200], List.of()));
                                s.onComplete();
                              }
                            }

                            @Override
                            public void cancel() {}
                          }),
                  "hello");
          int c = cycle;
          Await.until(
              WAIT,
              () -> "cycle " + c + ": the utterance hands its source to the room",
              () -> LiveKitRoomSource.LIVE_SPEECH_SOURCES.get() == before + 1);
          Await.until(
              WAIT,
              () -> "cycle " + c + ": the room creates the track it asks to publish",
              () -> RoomSession.LIVE_SPEECH_TRACKS.get() == tracksBefore + 1);
        } finally {
          source.close();
        }
        assertThat(LiveKitRoomSource.LIVE_SPEECH_SOURCES.get())
            .as("cycle %d: closed, its audio source disposed", cycle)
            .isEqualTo(before);
        assertThat(RoomSession.LIVE_SPEECH_TRACKS.get())
            .as("cycle %d: closed, the track of its publication disposed", cycle)
            .isEqualTo(tracksBefore);
        u.completion().toCompletableFuture().handle((v, e) -> null).get(5, TimeUnit.SECONDS);
        assertThat(u.state())
            .as("the waiting utterance ended with the room")
            .isIn(Utterance.State.CANCELLED, Utterance.State.FAILED);
      }
    }
  }
}
