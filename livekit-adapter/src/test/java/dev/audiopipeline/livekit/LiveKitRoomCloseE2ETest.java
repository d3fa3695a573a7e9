package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bot program whose room closes ends by itself: the publisher leaves, the server closes the room
 * (only the bot, an agent, is left), the session completes, {@code main} returns and the JVM exits
 * without {@code System.exit}, although webrtc-java's native threads were attached as non-daemon
 * threads.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LiveKitRoomCloseE2ETest {
  @BeforeAll
  static void server() {
    LiveKitRoomE2ETest.server();
  }

  /** The bot program: transcribe the room named by {@code args[0]} until it ends, then return. */
  public static final class Bot {
    public static void main(String[] args) throws Exception {
      LiveKitRoomSource room =
          LiveKitRoomSource.builder()
              .url(System.getenv("LIVEKIT_URL"))
              .apiKey(System.getenv("LIVEKIT_API_KEY"))
              .apiSecret(System.getenv("LIVEKIT_API_SECRET"))
              .room(args[0])
              .identity("close-test-bot")
              .build();
      AtomicInteger finals = new AtomicInteger();
      try (SpeechSegmentRecognizer stt = SpeechSegmentRecognizer.create();
          TranscriptionSession session =
              AudioPipeline.builder()
                  .stt(stt)
                  .speakerMap(SpeakerMap.identity())
                  .build()
                  .startTranscription(room)) {
        session.subscribe(
            new Flow.Subscriber<Transcript>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(Transcript t) {
                if (t.isFinal()) {
                  finals.incrementAndGet();
                }
              }

              @Override
              public void onError(Throwable t) {
                System.out.println("session failed: " + t);
              }

              @Override
              public void onComplete() {
                System.out.println("session ended at " + System.currentTimeMillis());
              }
            });
        session.completion().toCompletableFuture().get(3, TimeUnit.MINUTES);
      }
      System.out.println("finals " + finals.get());
      System.out.println("main returns at " + System.currentTimeMillis());
    }
  }

  @Test
  void theBotProgramExitsByItselfOnceTheServerClosesTheRoom() throws Exception {
    String room = "close-" + UUID.randomUUID().toString().substring(0, 8);
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Bot.class.getName());
    cmd.add(room);
    Process bot = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<String> out = new CopyOnWriteArrayList<>();
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(bot.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  out.add(line);
                }
              } catch (IOException e) {
                // the bot is gone
              }
            },
            "test-bot-stdout");
    pump.setDaemon(true);
    pump.start();
    Path wav = Path.of("../examples/src/main/resources/interview/recruiter.wav").toAbsolutePath();
    NodePublisher publisher =
        NodePublisher.start(
            System.getenv("LIVEKIT_URL"),
            System.getenv("LIVEKIT_API_KEY"),
            System.getenv("LIVEKIT_API_SECRET"),
            List.of(
                "--room",
                room,
                "--participant",
                "recruiter=" + wav + ",leave=8000",
                "--wait-subscribed",
                "30000",
                "--linger",
                "0"));
    try {
      // the publisher speaks for 8 s and leaves; the server closes the room after its departure
      // timeout (20 s by default); the bot's session ends and its main returns
      boolean exited = bot.waitFor(150, TimeUnit.SECONDS);
      long exitedAt = System.currentTimeMillis();
      if (!exited) {
        Process jstack =
            new ProcessBuilder("jstack", Long.toString(bot.pid()))
                .redirectErrorStream(true)
                .start();
        jstack.waitFor(20, TimeUnit.SECONDS);
        System.out.println(
            new String(jstack.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      }
      assertThat(exited).as("the bot JVM exited by itself; its output: %s", out).isTrue();
      pump.join(10_000); // its output read to the end
      assertThat(bot.exitValue()).as("exit status; output %s", out).isZero();
      assertThat(out)
          .anyMatch(l -> l.startsWith("session ended at "))
          .anyMatch(l -> l.startsWith("main returns at "));
      assertThat(out).anyMatch(l -> l.matches("finals [1-9]\\d*"));
      long returned =
          out.stream()
              .filter(l -> l.startsWith("main returns at "))
              .mapToLong(l -> Long.parseLong(l.substring("main returns at ".length())))
              .findFirst()
              .orElseThrow();
      System.out.printf("bot: main returned -> JVM gone within %d ms%n", exitedAt - returned);
    } finally {
      bot.destroyForcibly();
      publisher.finish(Duration.ofSeconds(10));
    }
  }
}
