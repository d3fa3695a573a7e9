package dev.audiopipeline.livekit;

import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.audio.ArrivalClock;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One subscribed remote audio track as a {@link SpeakerStream}: 48 kHz mono s16le, 10 ms frames.
 *
 * <p>{@link #onData} runs on the receiving factory's ADM play thread, which serves the sinks of
 * every track of every room in turn. It only copies the frame into the pipeline's sink (stereo is
 * down-mixed into a preallocated array), stamps it, and counts; it never blocks, logs, or allocates
 * in steady state, and never throws into native code.
 */
final class RemoteAudioStream implements SpeakerStream, AudioTrackSink {
  static final AudioFormat FORMAT = AudioFormat.MONO_48K;
  private static final long FRAME_MICROS = 10_000;

  private final String trackSid;
  private final String identity;
  private volatile String participantSid;
  private final long sourceStartNanos;
  private final long joinedNanos;

  /** The WebRTC track feeding this stream; replaced when the bot rejoins ({@link #rebind}). */
  private volatile AudioTrack track;

  /** The SID of the track currently feeding this stream ({@link #id()} stays the first one). */
  private volatile String currentTrackSid;

  /** Set while the stream waits, across a rejoin, for its participant's track to come back. */
  private volatile boolean detached;

  private volatile @Nullable AudioSink sink;
  private volatile boolean ended;
  private final AtomicInteger inFlight = new AtomicInteger();

  // written by the audio thread only
  /** Stamps frames by sample count, by arrival beyond core's jitter tolerance (the time model). */
  private final ArrivalClock clock = new ArrivalClock(FORMAT.sampleRate());

  private short[] mono = new short[480];

  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong unsupported = new AtomicLong();
  private final AtomicLong sinkErrors = new AtomicLong();
  private volatile long firstFrameNanos;
  private volatile long lastFrameNanos;
  private volatile long subscribedNanos;

  RemoteAudioStream(
      String trackSid,
      String identity,
      String participantSid,
      AudioTrack track,
      long sourceStartNanos,
      long joinedNanos) {
    this.trackSid = trackSid;
    this.identity = identity;
    this.participantSid = participantSid;
    this.track = track;
    this.currentTrackSid = trackSid;
    this.sourceStartNanos = sourceStartNanos;
    this.joinedNanos = joinedNanos;
    this.subscribedNanos = System.nanoTime();
  }

  @Override
  public String id() {
    return trackSid;
  }

  @Override
  public String identity() {
    return identity;
  }

  String participantSid() {
    return participantSid;
  }

  @Override
  public AudioFormat format() {
    return FORMAT;
  }

  @Override
  public void start(AudioSink sink) {
    if (!sink.format().equals(FORMAT)) {
      throw new IllegalArgumentException(
          "sink format " + sink.format() + " differs from the stream's format " + FORMAT);
    }
    synchronized (this) {
      if (this.sink != null) {
        throw new IllegalStateException("stream " + trackSid + " already started");
      }
      if (ended) {
        throw new IllegalStateException("stream " + trackSid + " has already ended");
      }
      this.sink = sink;
    }
    track.addSink(this);
  }

  /**
   * Stops taking frames from the current track without ending the stream: the bot is rejoining the
   * room and the track's peer connection is going away. Event thread only.
   */
  void detach() {
    if (ended || detached) {
      return;
    }
    detached = true;
    if (sink != null) {
      try {
        track.removeSink(this);
      } catch (RuntimeException | Error e) {
        // the PC may already be closed
      }
    }
  }

  boolean isDetached() {
    return detached;
  }

  /**
   * Continues this stream from a new track of the same participant after a rejoin. Frames go on
   * being stamped on the session's clock, so the outage shows as a gap of its real length and
   * nothing else moves. Event thread only.
   */
  void rebind(AudioTrack newTrack, String newTrackSid, String newParticipantSid) {
    if (ended) {
      return;
    }
    this.track = newTrack;
    this.currentTrackSid = newTrackSid;
    this.participantSid = newParticipantSid;
    this.detached = false;
    if (sink != null) {
      newTrack.addSink(this);
    }
  }

  /**
   * The SID of the track that feeds this stream now (differs from {@link #id()} after a rejoin).
   */
  String currentTrackSid() {
    return currentTrackSid;
  }

  /** Whether {@link #start} was called. */
  boolean started() {
    return sink != null;
  }

  /**
   * Stops delivery: detaches from the track and waits (briefly, spinning) for a frame being copied
   * on the audio thread, so that nothing is written after this returns.
   */
  void end() {
    if (ended) {
      return;
    }
    ended = true;
    if (sink != null && !detached) {
      try {
        track.removeSink(this);
      } catch (RuntimeException | Error e) {
        // the PC may already be closed; the ended flag keeps the callback inert
      }
    }
    long deadline = System.nanoTime() + 1_000_000_000L;
    while (inFlight.get() != 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
  }

  boolean ended() {
    return ended;
  }

  @Override
  public void onData(byte[] data, int bitsPerSample, int sampleRate, int channels, int frameCount) {
    inFlight.incrementAndGet();
    try {
      AudioSink s = sink;
      if (ended || s == null) {
        return;
      }
      long now = System.nanoTime();
      if (firstFrameNanos == 0) {
        firstFrameNanos = now;
      }
      lastFrameNanos = now;
      frames.incrementAndGet();
      if (bitsPerSample != 16
          || sampleRate != FORMAT.sampleRate()
          || channels < 1
          || frameCount <= 0) {
        unsupported.incrementAndGet();
        return;
      }
      long ts = clock.stamp((now - sourceStartNanos) / 1_000, frameCount);
      boolean accepted;
      if (channels == 1) {
        accepted = s.offerBytes(data, 0, frameCount * 2, ts);
      } else {
        if (mono.length < frameCount) {
          mono = new short[frameCount];
        }
        for (int i = 0; i < frameCount; i++) {
          int sum = 0;
          int base = i * channels * 2;
          for (int c = 0; c < channels; c++) {
            int lo = data[base + 2 * c] & 0xff;
            int hi = data[base + 2 * c + 1];
            sum += (hi << 8) | lo;
          }
          mono[i] = (short) (sum / channels);
        }
        accepted = s.offer(mono, 0, frameCount, ts);
      }
      if (!accepted) {
        dropped.incrementAndGet();
      }
    } catch (RuntimeException e) {
      // e.g. the session closed between our check and the write: never throw into native code
      sinkErrors.incrementAndGet();
    } finally {
      inFlight.decrementAndGet();
    }
  }

  TrackStats stats() {
    long first = firstFrameNanos;
    long last = lastFrameNanos;
    return new TrackStats(
        trackSid,
        identity,
        frames.get(),
        dropped.get(),
        unsupported.get() + sinkErrors.get(),
        first == 0 ? -1 : (first - joinedNanos) / 1_000,
        first == 0 ? -1 : (first - subscribedNanos) / 1_000,
        first == 0 ? 0 : (last - first) / 1_000 + FRAME_MICROS,
        ended);
  }

  @Override
  public String toString() {
    return "RemoteAudioStream{" + trackSid + " of " + identity + (ended ? ", ended" : "") + "}";
  }
}
