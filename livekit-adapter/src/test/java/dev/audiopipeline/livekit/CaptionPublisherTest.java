package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import livekit.LivekitModels.DataPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The caption publisher between a session's events and the reliable data channel: one stream per
 * update, the speaker's identity and track SID, refused updates resent whole, superseded partials
 * dropped while the channel is not open, finals never, and demand that bounds the queue. The
 * channel is a recording {@link CaptionPublisher.Sink} that can be "closed" (refuses packets).
 */
class CaptionPublisherTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** A reliable channel that records what it accepted and refuses everything while closed. */
  static final class Channel implements CaptionPublisher.Sink {
    final List<DataPacket> sent = new CopyOnWriteArrayList<>();
    final AtomicBoolean open = new AtomicBoolean(true);
    final AtomicLong refused = new AtomicLong();

    @Override
    public boolean send(DataPacket.Builder packet) {
      if (!open.get()) {
        refused.incrementAndGet();
        return false;
      }
      sent.add(packet.build());
      return true;
    }

    /** Updates in order: (identity, track, segment, final, text), from header + chunks. */
    List<String> updates() {
      List<String> out = new ArrayList<>();
      DataPacket header = null;
      StringBuilder text = new StringBuilder();
      for (DataPacket p : sent) {
        switch (p.getValueCase()) {
          case STREAM_HEADER -> {
            header = p;
            text.setLength(0);
          }
          case STREAM_CHUNK -> text.append(p.getStreamChunk().getContent().toStringUtf8());
          case STREAM_TRAILER -> {
            assertThat(header).isNotNull();
            assertThat(p.getStreamTrailer().getStreamId())
                .isEqualTo(header.getStreamHeader().getStreamId());
            var a = header.getStreamHeader().getAttributesMap();
            out.add(
                header.getParticipantIdentity()
                    + "|"
                    + a.getOrDefault("lk.transcribed_track_id", "-")
                    + "|"
                    + a.get("lk.segment_id")
                    + "|"
                    + a.get("lk.transcription_final")
                    + "|"
                    + text);
          }
          default -> throw new AssertionError("unexpected packet " + p.getValueCase());
        }
      }
      return out;
    }
  }

  /** Records the demand the publisher signals. */
  static final class Demand implements Flow.Subscription {
    final AtomicLong requested = new AtomicLong();
    final AtomicBoolean cancelled = new AtomicBoolean();

    @Override
    public void request(long n) {
      requested.addAndGet(n);
    }

    @Override
    public void cancel() {
      cancelled.set(true);
    }
  }

  private final Channel channel = new Channel();
  private final Demand demand = new Demand();
  private volatile String botTrack = null;

  /** stream id -> the track feeding it now (a rejoin continues a stream from a new track) */
  private final java.util.Map<String, String> currentTracks =
      new java.util.concurrent.ConcurrentHashMap<>();

  private CaptionPublisher publisher;

  private CaptionPublisher start(int capacity) {
    publisher =
        new CaptionPublisher(
            "test", "room-1", channel, () -> "bot-1", () -> botTrack, currentTracks::get, capacity);
    publisher.onSubscribe(demand);
    return publisher;
  }

  @AfterEach
  void stop() {
    if (publisher != null) {
      publisher.close();
      assertThat(publisher.senderAlive()).isFalse();
    }
  }

  private static Transcript t(String identity, String segment, String text, boolean fin) {
    return new Transcript(
        identity, identity, text, 0, 10, fin, null, null, List.of(), segment, "fake");
  }

  private static PipelineEvent.TranscriptReceived ev(Transcript t) {
    return new PipelineEvent.TranscriptReceived(t);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    Await.until(WAIT, what, condition);
  }

  @Test
  void eachUpdateIsOneStreamWithTheSpeakersIdentityTrackAndSegment() throws Exception {
    CaptionPublisher p = start(16);
    p.onNext(new PipelineEvent.SpeakerJoined("TR_rec", "rec-4711", "recruiter", 0));
    p.onNext(new PipelineEvent.SpeakerJoined("TR_cand", "cand-0815", "candidate", 0));
    p.onNext(ev(t("rec-4711", "TR_rec/c0-1", "what", false)));
    await(() -> p.published() == 1, "first partial sent");
    p.onNext(ev(t("cand-0815", "TR_cand/c0-1", "hi", false)));
    await(() -> p.published() == 2, "second partial sent");
    p.onNext(ev(t("rec-4711", "TR_rec/c0-1", "what project", true)));
    p.onNext(ev(t("cand-0815", "TR_cand/c0-1", "hi there", true)));
    await(() -> p.published() == 4, "finals sent");

    assertThat(channel.updates())
        .containsExactly(
            "rec-4711|TR_rec|TR_rec/c0-1|false|what",
            "cand-0815|TR_cand|TR_cand/c0-1|false|hi",
            "rec-4711|TR_rec|TR_rec/c0-1|true|what project",
            "cand-0815|TR_cand|TR_cand/c0-1|true|hi there");
    // every update a new stream
    assertThat(
            channel.sent.stream()
                .filter(d -> d.getValueCase() == DataPacket.ValueCase.STREAM_HEADER)
                .map(d -> d.getStreamHeader().getStreamId())
                .distinct()
                .count())
        .isEqualTo(4);
  }

  @Test
  void afterARejoinCaptionsNameTheSpeakersAndTheBotsCurrentTracks() throws Exception {
    CaptionPublisher p = start(16);
    botTrack = "TR_bot1";
    p.onNext(new PipelineEvent.SpeakerJoined("TR_rec1", "rec", "recruiter", 0));
    p.onNext(ev(t("rec", "TR_rec1/1", "before", true)));
    p.offer(t("bot-1", "TR_bot1/1", "question one", true));
    await(() -> p.published() == 2, "sent before the rejoin");
    // the rejoin: nothing goes out, the updates of the moment wait for the channel
    channel.open.set(false);
    p.onNext(ev(t("rec", "TR_rec1/2", "during", true)));
    p.offer(t("bot-1", "TR_bot1/2", "question two", true));
    await(() -> channel.refused.get() > 0, "an update waits for the channel");
    // the new participation: the speaker's new track continues stream TR_rec1, the bot
    // re-published its own track
    currentTracks.put("TR_rec1", "TR_rec2");
    botTrack = "TR_bot2";
    channel.open.set(true);
    await(() -> p.published() == 4, "sent after the rejoin");
    p.onNext(ev(t("rec", "TR_rec1/3", "after", true)));
    await(() -> p.published() == 5, "sent on the new tracks");

    assertThat(channel.updates())
        .containsExactly(
            "rec|TR_rec1|TR_rec1/1|true|before",
            "bot-1|TR_bot1|TR_bot1/1|true|question one",
            "rec|TR_rec2|TR_rec1/2|true|during",
            "bot-1|TR_bot2|TR_bot1/2|true|question two",
            "rec|TR_rec2|TR_rec1/3|true|after");
  }

  @Test
  void anUpdateRefusedHalfwayGoesOutAgainWholeAsANewStream() throws Exception {
    CaptionPublisher p = start(16);
    p.onNext(new PipelineEvent.SpeakerJoined("TR_a", "a", "a", 0));
    p.onNext(ev(t("a", "TR_a/1", "one", true)));
    await(() -> p.published() == 1, "first sent");
    channel.open.set(false);
    p.onNext(ev(t("a", "TR_a/2", "two", true)));
    await(() -> channel.refused.get() >= 3, "refused while closed");
    channel.open.set(true);
    await(() -> p.published() == 2, "second sent after the channel opened");
    assertThat(channel.updates())
        .containsExactly("a|TR_a|TR_a/1|true|one", "a|TR_a|TR_a/2|true|two");
    assertThat(p.packets()).isEqualTo(channel.sent.size()).isEqualTo(6);
  }

  @Test
  void whileTheChannelIsClosedSupersededPartialsAreDroppedAndFinalsKept() throws Exception {
    CaptionPublisher p = start(16);
    p.onNext(new PipelineEvent.SpeakerJoined("TR_a", "a", "a", 0));
    channel.open.set(false);
    p.onNext(ev(t("a", "TR_a/1", "so", false)));
    await(() -> p.queued() == 0 && channel.refused.get() > 0, "first partial in flight");
    p.onNext(ev(t("a", "TR_a/1", "so the", false)));
    p.onNext(ev(t("a", "TR_a/1", "so the plan", false)));
    p.onNext(ev(t("a", "TR_a/2", "next", false)));
    p.onNext(ev(t("a", "TR_a/1", "so the plan is", true)));
    p.onNext(ev(t("a", "TR_a/2", "next one", true)));
    for (int i = 3; i < 10; i++) {
      p.onNext(ev(t("a", "TR_a/" + i, "final " + i, true)));
    }
    assertThat(p.queued()).isEqualTo(9); // TR_a/1's final, TR_a/2's final, 7 more finals
    channel.open.set(true);
    await(() -> p.published() == 10, "everything kept sent");

    List<String> u = channel.updates();
    assertThat(u.get(0)).isEqualTo("a|TR_a|TR_a/1|false|so");
    assertThat(u.get(1)).isEqualTo("a|TR_a|TR_a/1|true|so the plan is");
    assertThat(u.get(2)).isEqualTo("a|TR_a|TR_a/2|true|next one");
    for (int i = 3; i < 10; i++) {
      assertThat(u.get(i)).isEqualTo("a|TR_a|TR_a/" + i + "|true|final " + i);
    }
    assertThat(p.partialsDropped()).isEqualTo(3);
  }

  @Test
  void demandNeverLetsMoreThanCapacityWait() throws Exception {
    CaptionPublisher p = start(4);
    assertThat(demand.requested.get()).isEqualTo(4);
    channel.open.set(false);
    p.onNext(ev(t("a", "x/0", "zero", true)));
    await(() -> p.queued() == 0 && channel.refused.get() > 0, "first final in flight");
    assertThat(demand.requested.get()).isEqualTo(5); // taken off the queue: one more
    for (int i = 1; i <= 4; i++) {
      p.onNext(ev(t("a", "x/" + i, "f" + i, true)));
    }
    // 4 finals wait and no more was requested: the session's buffer holds the rest
    assertThat(p.queued()).isEqualTo(4);
    assertThat(demand.requested.get()).isEqualTo(5);
    // a superseding partial does not grow the queue, so its demand is given back
    p.onNext(new PipelineEvent.SpeakerLeft("x", "a", "a", 1));
    assertThat(demand.requested.get()).isEqualTo(6);
    channel.open.set(true);
    await(() -> p.published() == 5, "all finals sent");
    assertThat(demand.requested.get()).isEqualTo(10);
  }

  @Test
  void theBotsOwnLinesCarryItsIdentityAndPublishedTrack() throws Exception {
    CaptionPublisher p = start(16);
    botTrack = "TR_bot";
    assertThat(p.offer(t("bot-1", "bot/u1", "Welcome to the interview.", true))).isTrue();
    await(() -> p.published() == 1, "bot line sent");
    assertThat(channel.updates())
        .containsExactly("bot-1|TR_bot|bot/u1|true|Welcome to the interview.");
  }

  @Test
  void aRepublishedTrackIsTakenFromTheSegmentNotTheLatestStream() throws Exception {
    CaptionPublisher p = start(16);
    p.onNext(new PipelineEvent.SpeakerJoined("TR_old", "a", "a", 0));
    p.onNext(new PipelineEvent.SpeakerJoined("TR_new", "a", "a", 5));
    p.onNext(ev(t("a", "TR_old/9", "late final of the old track", true)));
    p.onNext(ev(t("a", "other-7", "no stream prefix", true)));
    await(() -> p.published() == 2, "sent");
    assertThat(channel.updates())
        .containsExactly(
            "a|TR_old|TR_old/9|true|late final of the old track",
            "a|TR_new|other-7|true|no stream prefix");
  }

  @Test
  void completionSendsWhatIsQueuedThenEndsTheThreadAndCloseCancels() throws Exception {
    CaptionPublisher p = start(16);
    assertThat(Thread.getAllStackTraces().keySet())
        .anyMatch(th -> th.getName().startsWith("audio-pipeline-livekit-room-1-captions"));
    p.onNext(ev(t("a", "x/1", "last words", true)));
    p.onComplete();
    await(() -> !p.senderAlive(), "sender ended after completion");
    assertThat(p.published()).isEqualTo(1);
    p.close();
    assertThat(demand.cancelled.get()).isTrue();
  }

  @Test
  void closeStopsASenderWaitingForAClosedChannel() throws Exception {
    CaptionPublisher p = start(16);
    channel.open.set(false);
    p.onNext(ev(t("a", "x/1", "never sent", true)));
    await(() -> channel.refused.get() > 0, "in flight");
    p.close();
    assertThat(p.senderAlive()).isFalse();
    assertThat(channel.sent).isEmpty();
  }
}
