package dev.audiopipeline.testing;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.audio.AudioFormat;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A deterministic recogniser for tests: it finds speech by energy and turns each speech segment
 * into one final (preceded by partials while the segment goes on), with the segment's exact times.
 *
 * <p>Audio is analysed in 10 ms blocks of 16 kHz mono by the same energy segmenter as the fake
 * provider servers. A block is speech when its RMS level is at or above the threshold (default -40
 * dBFS); a segment ends after a run of silence of the hangover (default 400 ms) and is kept if it
 * lasted at least the minimum (default 100 ms). Its final's {@code startMs} is the first speech
 * block, {@code endMs} the end of the last speech block. A partial is sent every 300 ms of an
 * ongoing segment.
 *
 * <p>The text is produced by a {@link TextFunction} (default: {@code "speech <n>"} where {@code n}
 * counts the session's segments from 1). Events are delivered on the thread that calls {@code send}
 * or {@code finish}, in order. A fatal error can be scripted with {@link
 * Builder#failAfter(Duration, AudioPipelineException)}.
 */
public final class SpeechSegmentRecognizer implements SttProvider {
  /** Makes a segment's text. */
  @FunctionalInterface
  public interface TextFunction {
    /**
     * @param streamId the session's stream
     * @param index 1-based segment number within the session
     * @param startMs segment start on the session's audio
     * @param endMs segment end
     */
    String text(String streamId, int index, long startMs, long endMs);
  }

  private static final int BLOCK = 160; // 10 ms at 16 kHz

  private final double thresholdDbfs;
  private final int hangoverMs;
  private final int minBlocks;
  private final TextFunction text;
  private final @Nullable Duration failAfter;
  private final @Nullable AudioPipelineException failure;
  private final AtomicInteger sessions = new AtomicInteger();

  private SpeechSegmentRecognizer(Builder b) {
    this.thresholdDbfs = b.thresholdDbfs;
    this.hangoverMs = (int) (b.hangover.toMillis() / 10 * 10); // whole 10 ms blocks
    this.minBlocks = (int) Math.max(1, b.minSpeech.toMillis() / 10);
    this.text = b.text;
    this.failAfter = b.failAfter;
    this.failure = b.failure;
  }

  public static SpeechSegmentRecognizer create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Sessions opened so far. */
  public int sessionsOpened() {
    return sessions.get();
  }

  @Override
  public String name() {
    return "segments";
  }

  @Override
  public AudioFormat inputFormat() {
    return AudioFormat.MONO_16K;
  }

  @Override
  public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
    Objects.requireNonNull(options, "options == null");
    Objects.requireNonNull(listener, "listener == null");
    sessions.incrementAndGet();
    return new Session(options.streamId(), listener);
  }

  private final class Session implements SttSession, EnergySegmenter.Sink {
    private final String streamId;
    private final SttSession.Listener listener;
    private final EnergySegmenter segmenter =
        new EnergySegmenter(16_000, thresholdDbfs, hangoverMs, false);
    private long lastPartialAt; // block index
    private int segments;
    private boolean finished;
    private boolean failed;

    Session(String streamId, SttSession.Listener listener) {
      this.streamId = streamId;
      this.listener = listener;
    }

    @Override
    public synchronized void send(short[] samples, int offset, int length) {
      if (finished) {
        throw new IllegalStateException("session " + streamId + " is finished");
      }
      if (length <= 0) {
        throw new IllegalArgumentException("empty audio: length " + length);
      }
      Objects.checkFromIndexSize(offset, length, samples.length);
      if (failed) {
        return;
      }
      segmenter.feed(samples, offset, length, this);
    }

    @Override
    public void block(boolean speech) {
      if (failed) {
        return; // the rest of the audio after the scripted failure is ignored
      }
      long i = segmenter.position() / BLOCK - 1;
      if (speech) {
        if (segmenter.speechStart() / BLOCK == i) {
          lastPartialAt = i; // a segment starts
        }
        if (i - lastPartialAt >= 30 && segmenter.speechBlocks() >= minBlocks) {
          lastPartialAt = i;
          emit(false, segmenter.speechStart(), segmenter.lastSpeechEnd());
        }
      }
      if (failAfter != null && failure != null && (i + 1) * 10 >= failAfter.toMillis()) {
        failed = true;
        listener.onEvent(new TranscriptEvent.Failed(failure));
      }
    }

    @Override
    public void segment(EnergySegmenter.Segment s) {
      if (!failed && s.speechBlocks() >= minBlocks) {
        emit(true, s.start(), s.end());
      }
    }

    /** Start and end in samples at 16 kHz. */
    private void emit(boolean isFinal, long start, long end) {
      int index = isFinal ? ++segments : segments + 1;
      long startMs = start / 16;
      long endMs = end / 16;
      String t = text.text(streamId, index, startMs, endMs);
      listener.onEvent(
          new TranscriptEvent.Result(
              isFinal, t, startMs, endMs, null, isFinal ? 1.0 : null, List.of(), "seg" + index));
    }

    @Override
    public synchronized void flush() {
      if (!failed) {
        segmenter.force(this);
      }
    }

    @Override
    public synchronized CompletionStage<Void> finish(Duration timeout) {
      if (!finished) {
        flush();
        finished = true;
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized void close() {
      finished = true;
    }
  }

  /** Builds a {@link SpeechSegmentRecognizer}. */
  public static final class Builder {
    private double thresholdDbfs = -40;
    private Duration hangover = Duration.ofMillis(400);
    private Duration minSpeech = Duration.ofMillis(100);
    private TextFunction text = (id, n, s, e) -> "speech " + n;
    private @Nullable Duration failAfter;
    private @Nullable AudioPipelineException failure;

    private Builder() {}

    /** Speech threshold in dBFS (default -40, accepted -90 to 0). */
    public Builder thresholdDbfs(double dbfs) {
      if (dbfs < -90 || dbfs > 0) {
        throw new IllegalArgumentException("threshold " + dbfs + " dBFS: accepted -90 to 0");
      }
      this.thresholdDbfs = dbfs;
      return this;
    }

    /** Silence that ends a segment (default 400 ms, accepted 10 ms to 10 s). */
    public Builder hangover(Duration hangover) {
      if (hangover.toMillis() < 10 || hangover.toMillis() > 10_000) {
        throw new IllegalArgumentException("hangover " + hangover + ": accepted 10 ms to 10 s");
      }
      this.hangover = hangover;
      return this;
    }

    /** Shortest segment reported (default 100 ms). */
    public Builder minSpeech(Duration minSpeech) {
      if (minSpeech.isNegative()) {
        throw new IllegalArgumentException("minSpeech " + minSpeech + " is negative");
      }
      this.minSpeech = minSpeech;
      return this;
    }

    /** How a segment's text is made. */
    public Builder text(TextFunction text) {
      this.text = Objects.requireNonNull(text, "text == null");
      return this;
    }

    /** Every session fails with {@code error} once it has received {@code audio} of audio. */
    public Builder failAfter(Duration audio, AudioPipelineException error) {
      this.failAfter = Objects.requireNonNull(audio, "audio == null");
      this.failure = Objects.requireNonNull(error, "error == null");
      return this;
    }

    public SpeechSegmentRecognizer build() {
      return new SpeechSegmentRecognizer(this);
    }
  }
}
