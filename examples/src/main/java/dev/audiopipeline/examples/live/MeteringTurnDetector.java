package dev.audiopipeline.examples.live;

import dev.audiopipeline.TurnDetector;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Meters the 16 kHz mono audio the pipeline already hands a {@link TurnDetector} on each speaker's
 * drain thread, then passes it on to the real detector (if any). With no detector it reports no
 * events, so the pipeline behaves as without one. The stream id is resolved to a meter lazily
 * (through {@code meterOf}), since the pipeline opens the analysis before it announces the speaker.
 */
public final class MeteringTurnDetector implements TurnDetector {
  private final @Nullable TurnDetector delegate;
  private final Function<String, @Nullable LevelMeter> meterOf;

  /**
   * @param delegate the detector the pipeline would otherwise run, or null for none
   * @param meterOf the meter of a stream id, or null while its speaker is not yet known
   */
  public MeteringTurnDetector(
      @Nullable TurnDetector delegate, Function<String, @Nullable LevelMeter> meterOf) {
    this.delegate = delegate;
    this.meterOf = meterOf;
  }

  @Override
  public String name() {
    return delegate == null ? "meter" : delegate.name();
  }

  @Override
  public Analysis open(String streamId) {
    Analysis inner = delegate == null ? null : delegate.open(streamId);
    return new Analysis() {
      private @Nullable LevelMeter meter;

      @Override
      public void accept(short[] samples, int offset, int length, Events events) {
        LevelMeter m = meter;
        if (m == null) {
          m = meterOf.apply(streamId);
          meter = m;
        }
        if (m != null) {
          m.accept(samples, offset, length);
        }
        if (inner != null) {
          inner.accept(samples, offset, length, events);
        }
      }

      @Override
      public void reset(Events events) {
        if (inner != null) {
          inner.reset(events);
        }
      }

      @Override
      public void close() {
        if (inner != null) {
          inner.close();
        }
      }
    };
  }

  @Override
  public void close() {
    if (delegate != null) {
      delegate.close();
    }
  }

  /** A stream-id to speaker map filled from the session's {@code SpeakerJoined} events. */
  public static final class Streams {
    private final Map<String, String> speakers = new ConcurrentHashMap<>();

    public void joined(String streamId, String speaker) {
      speakers.put(streamId, speaker);
    }

    public @Nullable String speaker(String streamId) {
      return speakers.get(streamId);
    }
  }
}
