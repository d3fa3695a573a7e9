package dev.audiopipeline.livekit;

import dev.audiopipeline.OverflowException;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import livekit.LivekitModels.DataPacket;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a transcription session's transcripts into the room as LiveKit captions ({@link
 * CaptionPackets}): every partial or final update of a segment is a new short text stream carrying
 * the segment's full text, stamped with the speaker's identity and track SID.
 *
 * <p><b>Input.</b> A {@code Flow.Subscriber} of the session's {@link PipelineEvent}s: {@code
 * SpeakerJoined} maps a stream id (the LiveKit track SID) to its identity, {@code
 * TranscriptReceived} is captioned. {@link #offer(Transcript)} takes transcripts from elsewhere
 * (the bot's own speech).
 *
 * <p><b>Segment id.</b> {@code lk.segment_id} is {@link Transcript#segmentId()}: the pipeline makes
 * it {@code <stream id>/<recogniser's segment id>}, unique within the session and shared by a
 * segment's partials and its final, which is exactly what a frontend groups by.
 *
 * <p><b>Track SID.</b> The track that feeds, when the update is sent, the stream whose id prefixes
 * the segment id ({@code TR_…/…}): a stream keeps its first track's SID as its id, but after a
 * rejoin the speaker's new track continues it, and the caption names that current track; else, for
 * the bot's own identity, the bot's currently published track (a new SID after a rejoin
 * re-publishes it); else the speaker's latest stream. Resolved when sent, not when queued, so an
 * update that waited through a rejoin names the new track.
 *
 * <p><b>Queue.</b> At most {@code capacity} updates wait for the data channel. A new update of a
 * segment replaces that segment's partial still waiting (the partial is superseded; counted), so a
 * segment holds at most one partial and its final in the queue. Demand is requested from the
 * session only as room frees up, so when the channel stalls longer the session's own subscriber
 * buffer takes over with the same policy (oldest partials dropped first, finals never); only if
 * that buffer fills with finals does this subscriber end with an {@link OverflowException}, which
 * stops captions (logged), not the transcription. Finals are never dropped here: while the channel
 * is not open (before the publisher connection is up, during a rejoin) the updates wait and go out
 * in order once it is.
 *
 * <p><b>Order.</b> One sender thread hands the packets of one update after another to the channel,
 * which numbers them in that order, so the reliable sequence the server checks is strictly
 * increasing and a segment's partials always precede its final.
 *
 * <p><b>Thread.</b> One named sender thread ({@code audio-pipeline-livekit-<room>-captions-N})
 * takes updates off the queue and hands packets to the sink; it ends on {@link #close()}, or once
 * the session has completed and the queue is empty.
 */
final class CaptionPublisher implements Flow.Subscriber<PipelineEvent>, AutoCloseable {
  /** Where the packets go: the reliable data channel of the bot's publisher connection. */
  interface Sink {
    /**
     * Queues one packet for the reliable channel, which stamps the sender's SID and the next
     * reliable sequence number ({@code RoomSession.sendReliable}). Never blocks for long.
     *
     * @return false if it was not accepted (not joined, or the channel's bounded queue is full)
     */
    boolean send(DataPacket.Builder packet);
  }

  static final int DEFAULT_CAPACITY = 128;

  /** How long the sender waits between attempts while the channel is not open. */
  static final long RETRY_MILLIS = 50;

  private static final Logger log = LoggerFactory.getLogger(CaptionPublisher.class);

  private final String logPrefix;
  private final Sink sink;
  private final Supplier<@Nullable String> botIdentity;
  private final Supplier<@Nullable String> botTrackSid;
  private final Function<String, @Nullable String> currentTrackSid;
  private final int capacity;
  private final Thread sender;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // guarded by lock
  private final ArrayDeque<Slot> queue = new ArrayDeque<>();
  private final Map<String, Slot> waitingPartials = new HashMap<>();
  private boolean inputDone;
  private boolean closed;
  private Flow.@Nullable Subscription subscription;

  // stream id (track SID) -> identity, identity -> latest stream id
  private final Map<String, String> identityByStream = new ConcurrentHashMap<>();
  private final Map<String, String> latestStreamByIdentity = new ConcurrentHashMap<>();

  private final AtomicLong published = new AtomicLong();
  private final AtomicLong partialsDropped = new AtomicLong();
  private final AtomicLong packets = new AtomicLong();

  /** A queued update; a waiting partial's transcript is replaced in place by a newer one. */
  private static final class Slot {
    Transcript transcript;
    @Nullable String trackSid;

    Slot(Transcript transcript, @Nullable String trackSid) {
      this.transcript = transcript;
      this.trackSid = trackSid;
    }
  }

  CaptionPublisher(
      String logPrefix,
      String threadTag,
      Sink sink,
      Supplier<@Nullable String> botIdentity,
      Supplier<@Nullable String> botTrackSid,
      Function<String, @Nullable String> currentTrackSid,
      int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity " + capacity + " < 1");
    }
    this.logPrefix = logPrefix;
    this.sink = Objects.requireNonNull(sink, "sink == null");
    this.botIdentity = botIdentity;
    this.botTrackSid = botTrackSid;
    this.currentTrackSid = Objects.requireNonNull(currentTrackSid, "currentTrackSid == null");
    this.capacity = capacity;
    this.sender =
        new NamedThreadFactory("livekit-" + threadTag + "-captions").newThread(this::sendLoop);
    this.sender.start();
  }

  // ---- input ----------------------------------------------------------------------------------

  @Override
  public void onSubscribe(Flow.Subscription s) {
    lock.lock();
    try {
      if (subscription != null || closed) {
        s.cancel();
        return;
      }
      subscription = s;
    } finally {
      lock.unlock();
    }
    s.request(capacity);
  }

  @Override
  public void onNext(PipelineEvent event) {
    if (event instanceof PipelineEvent.SpeakerJoined j) {
      identityByStream.put(j.streamId(), j.identity());
      latestStreamByIdentity.put(j.identity(), j.streamId());
      request(1);
    } else if (event instanceof PipelineEvent.TranscriptReceived r) {
      if (!enqueue(r.transcript(), trackSidOf(r.transcript()))) {
        request(1); // merged into a waiting slot: the queue did not grow
      }
    } else {
      request(1);
    }
  }

  @Override
  public void onError(Throwable error) {
    if (error instanceof OverflowException) {
      log.warn(
          "{} captions stopped: the data channel fell behind until finals filled the buffer ({})",
          logPrefix,
          error.getMessage());
    } else {
      log.debug("{} captions end with the session's failure: {}", logPrefix, error.toString());
    }
    endInput();
  }

  @Override
  public void onComplete() {
    endInput();
  }

  /**
   * Captions a transcript that does not come through the session's events (the bot's own speech),
   * which has no demand to hold back. On a full queue the oldest waiting partial makes room; a
   * queue holding nothing but finals takes up to {@code capacity} more before an update is refused
   * (logged): a bound that a few utterances a minute never reach.
   *
   * @return false if the update was refused
   */
  boolean offer(Transcript t) {
    lock.lock();
    try {
      if (queue.size() >= capacity && !waitingPartials.isEmpty()) {
        Slot oldest = null;
        for (Slot s : queue) {
          if (!s.transcript.isFinal()) {
            oldest = s;
            break;
          }
        }
        if (oldest != null) {
          queue.remove(oldest);
          waitingPartials.remove(oldest.transcript.segmentId(), oldest);
          partialsDropped.incrementAndGet();
        }
      }
      if (queue.size() >= 2 * capacity) {
        log.warn(
            "{} caption refused: {} updates wait for the data channel", logPrefix, queue.size());
        return false;
      }
    } finally {
      lock.unlock();
    }
    enqueue(t, trackSidOf(t));
    return true;
  }

  /**
   * @return true if a new slot was queued, false if the update replaced a waiting partial
   */
  private boolean enqueue(Transcript t, @Nullable String trackSid) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      Slot waiting = waitingPartials.remove(t.segmentId());
      if (waiting != null) {
        waiting.transcript = t;
        waiting.trackSid = trackSid;
        partialsDropped.incrementAndGet();
        if (!t.isFinal()) {
          waitingPartials.put(t.segmentId(), waiting);
        }
        return false;
      }
      Slot slot = new Slot(t, trackSid);
      queue.addLast(slot);
      if (!t.isFinal()) {
        waitingPartials.put(t.segmentId(), slot);
      }
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void request(long n) {
    Flow.Subscription s;
    lock.lock();
    try {
      s = subscription;
    } finally {
      lock.unlock();
    }
    if (s != null) {
      s.request(n);
    }
  }

  private void endInput() {
    lock.lock();
    try {
      inputDone = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The transcribed track of {@code t}, or null if not yet known (resolved again when sent). */
  private @Nullable String trackSidOf(Transcript t) {
    String seg = t.segmentId();
    int slash = seg.indexOf('/');
    if (slash > 0) {
      String stream = seg.substring(0, slash);
      String owner = identityByStream.get(stream);
      if (owner != null && owner.equals(t.participantIdentity())) {
        String now = currentTrackSid.apply(stream);
        return now == null ? stream : now;
      }
    }
    if (t.participantIdentity().equals(botIdentity.get())) {
      return botTrackSid.get();
    }
    String latest = latestStreamByIdentity.get(t.participantIdentity());
    if (latest == null) {
      return null;
    }
    String now = currentTrackSid.apply(latest);
    return now == null ? latest : now;
  }

  // ---- output ---------------------------------------------------------------------------------

  private void sendLoop() {
    while (true) {
      Slot slot;
      Transcript t;
      @Nullable String trackSid;
      lock.lock();
      try {
        while (queue.isEmpty() && !closed && !inputDone) {
          changed.awaitUninterruptibly();
        }
        if (closed || queue.isEmpty()) {
          break;
        }
        slot = queue.pollFirst();
        t = slot.transcript;
        trackSid = slot.trackSid;
        if (!t.isFinal()) {
          waitingPartials.remove(t.segmentId(), slot);
        }
      } finally {
        lock.unlock();
      }
      request(1);
      if (!sendUpdate(t, trackSid)) {
        break; // closed while waiting for the channel
      }
    }
    int left;
    lock.lock();
    try {
      left = queue.size();
      queue.clear();
      waitingPartials.clear();
    } finally {
      lock.unlock();
    }
    if (left > 0) {
      log.info("{} captions closed with {} updates not sent (the room was left)", logPrefix, left);
    }
  }

  /**
   * Sends one update as a new stream, retrying whole while the channel is not open; each attempt
   * names the track of the moment (the speaker's or the bot's track changes when a rejoin lets the
   * update wait), {@code queuedSid} only if it is no longer known.
   */
  private boolean sendUpdate(Transcript t, @Nullable String queuedSid) {
    while (true) {
      String current = trackSidOf(t);
      String trackSid = current != null ? current : queuedSid != null ? queuedSid : "";
      List<DataPacket> stream =
          CaptionPackets.encode(
              UUID.randomUUID().toString(),
              System.currentTimeMillis(),
              t.participantIdentity(),
              trackSid,
              t.segmentId(),
              t.text(),
              t.isFinal());
      boolean all = true;
      for (DataPacket p : stream) {
        if (!sink.send(p.toBuilder())) {
          all = false;
          break;
        }
        packets.incrementAndGet();
      }
      if (all) {
        published.incrementAndGet();
        return true;
      }
      // not accepted: a partly queued stream is abandoned (receivers match chunks to headers by
      // stream id, so its header alone shows nothing) and the update goes out again whole as a new
      // stream once the channel takes packets again
      lock.lock();
      try {
        if (closed) {
          return false;
        }
        try {
          changed.await(RETRY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
        if (closed) {
          return false;
        }
      } finally {
        lock.unlock();
      }
    }
  }

  // ---- lifecycle and counters -----------------------------------------------------------------

  /** Stops the sender thread (waits at most {@code 1 s}); updates not yet sent are discarded. */
  @Override
  public void close() {
    Flow.Subscription s;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      s = subscription;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (s != null) {
      s.cancel();
    }
    if (Thread.currentThread() != sender) {
      try {
        sender.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Updates published whole (header, chunks, trailer). */
  long published() {
    return published.get();
  }

  /** Waiting partials replaced by a newer update of their segment before they went out. */
  long partialsDropped() {
    return partialsDropped.get();
  }

  /** Packets handed to the channel. */
  long packets() {
    return packets.get();
  }

  /** Updates waiting for the channel. */
  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  boolean senderAlive() {
    return sender.isAlive();
  }
}
