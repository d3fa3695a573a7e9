package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.testing.TcpProxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bot's signal connection drops mid-speech: the bot reaches the server through a TCP proxy on
 * 127.0.0.1 that the test controls, and the test resets that TCP connection from outside, as a
 * network failure would (media flows directly over UDP and is not touched). The bot resumes on the
 * same participant, the server ICE-restarts the subscriber connection, and the speaker's stream
 * goes on without closing, with its audio still arriving.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LiveKitRoomResumeE2ETest {
  private static final Path WAV = Path.of("../examples/src/main/resources/interview/recruiter.wav");

  @BeforeAll
  static void server() {
    LiveKitRoomE2ETest.server();
  }

  @Test
  void aDroppedSignalConnectionIsResumedAndTheStreamGoesOn() throws Exception {
    String url = System.getenv("LIVEKIT_URL");
    String key = System.getenv("LIVEKIT_API_KEY");
    String secret = System.getenv("LIVEKIT_API_SECRET");
    String room = "resume-" + UUID.randomUUID().toString().substring(0, 8);
    URI server = URI.create(url);
    TcpProxy proxy = new TcpProxy(server.getHost(), server.getPort());
    LiveKitRoomSource source =
        LiveKitRoomSource.builder()
            .url("ws://127.0.0.1:" + proxy.port())
            .apiKey(key)
            .apiSecret(secret)
            .room(room)
            .identity("resume-bot")
            .build();
    List<String> signals = new CopyOnWriteArrayList<>();
    RemoteAudioStreamTest.RecordingSink sink =
        new RemoteAudioStreamTest.RecordingSink(AudioFormat.MONO_48K, 1_000_000);
    NodePublisher publisher = null;
    try {
      source.start(
          new AudioSource.Listener() {
            @Override
            public void speakerJoined(SpeakerStream stream) {
              signals.add("joined " + stream.identity() + " " + stream.id());
              stream.start(synchronizedSink(sink));
            }

            @Override
            public void speakerLeft(SpeakerStream stream) {
              signals.add("left " + stream.identity() + " " + stream.id());
            }

            @Override
            public void sourceEnded() {
              signals.add("ended");
            }

            @Override
            public void sourceFailed(AudioPipelineException error) {
              signals.add("failed " + error);
            }
          });
      source.joined().toCompletableFuture().get(20, TimeUnit.SECONDS);
      publisher =
          NodePublisher.start(
              url,
              key,
              secret,
              List.of(
                  "--room", room,
                  "--participant", "recruiter=" + WAV.toAbsolutePath() + ",until=20000",
                  "--wait-subscribed", "20000",
                  "--mark", "8000",
                  "--linger", "60000"));
      publisher.await("start", Duration.ofSeconds(40));
      publisher.await(e -> e.name().equals("mark"), Duration.ofSeconds(20), "mark at 8 s");
      assertThat(proxy.cutAll()).as("the bot's one signal connection, reset").isEqualTo(1);
      NodePublisher.Event finished = publisher.await("finished", Duration.ofSeconds(40));

      assertThat(source.resumeCount()).as("resumed").isEqualTo(1);
      assertThat(proxy.accepted())
          .as("the join, then the resume, both through the proxy")
          .isEqualTo(2);
      assertThat(source.rejoinCount()).as("no full rejoin").isZero();
      RoomSession session = source.session();
      assertThat(session).isNotNull();
      livekit.LivekitRtc.SyncState sync = session.lastSyncState();
      assertThat(sync).as("the resume's SyncState").isNotNull();
      assertThat(
              sync.getDataChannelsList().stream()
                  .map(c -> c.getTarget() + " " + c.getLabel())
                  .toList())
          .as("the data channels of both connections, as LiveKit's JS SDK sends them")
          .contains(
              "PUBLISHER _reliable",
              "PUBLISHER _lossy",
              "SUBSCRIBER _reliable",
              "SUBSCRIBER _lossy");
      assertThat(signals).as("one stream, never closed, no failure").hasSize(1);
      assertThat(signals.get(0)).startsWith("joined recruiter ");
      TrackStats st = source.trackStats().get(0);
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] across a signal drop: published %d frames, received %d (%.1f%%), %s%n",
          finished.num("frames"),
          st.framesReceived(),
          100.0 * st.framesReceived() / finished.num("frames"),
          st);
      assertThat((double) st.framesReceived()).isGreaterThan(0.97 * finished.num("frames"));
      assertThat(publisher.events())
          .as("the server never reported the bot gone while it resumed")
          .noneMatch(
              e ->
                  e.name().equals("participant_disconnected")
                      && e.str("identity").equals("resume-bot"));
    } finally {
      source.close();
      proxy.close();
      if (publisher != null) {
        publisher.await(
            e ->
                e.name().equals("participant_disconnected")
                    && e.str("identity").equals("resume-bot"),
            Duration.ofSeconds(15),
            "the bot leaving after close()");
        publisher.finish(Duration.ofSeconds(20));
      }
    }
    assertThat(signals).contains("ended");
  }

  private static dev.audiopipeline.audio.AudioSink synchronizedSink(
      RemoteAudioStreamTest.RecordingSink s) {
    return new dev.audiopipeline.audio.AudioSink() {
      @Override
      public synchronized boolean offer(short[] samples, int offset, int length, long ts) {
        return s.offer(samples, offset, length, ts);
      }

      @Override
      public synchronized boolean offerBytes(byte[] pcm, int offset, int length, long ts) {
        return s.offerBytes(pcm, offset, length, ts);
      }

      @Override
      public void put(short[] samples, int offset, int length, long ts) {
        offer(samples, offset, length, ts);
      }

      @Override
      public AudioFormat format() {
        return s.format();
      }
    };
  }
}
