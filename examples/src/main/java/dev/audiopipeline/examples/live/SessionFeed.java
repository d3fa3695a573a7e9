package dev.audiopipeline.examples.live;

import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptEvent;
import java.util.concurrent.Flow;

/**
 * Feeds a {@link LiveModel} from a transcription session's {@code events()}: transcripts (partials
 * and finals by segment), speakers (their meters keyed by stream id for {@link
 * MeteringTurnDetector}) and the recogniser's reconnects. Subscribe it before the transcripts so it
 * misses nothing.
 */
public final class SessionFeed implements Flow.Subscriber<PipelineEvent> {
  private final LiveModel model;
  private final MeteringTurnDetector.Streams streams;

  public SessionFeed(LiveModel model, MeteringTurnDetector.Streams streams) {
    this.model = model;
    this.streams = streams;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(PipelineEvent e) {
    if (e instanceof PipelineEvent.TranscriptReceived r) {
      Transcript t = r.transcript();
      if (!t.isFinal() || !t.text().isBlank()) {
        model.update(t.segmentId(), t.speaker(), t.text(), t.isFinal(), t.startMs(), t.endMs());
      }
    } else if (e instanceof PipelineEvent.SpeakerJoined j) {
      streams.joined(j.streamId(), j.speaker());
      model.meter(j.speaker());
    } else if (e instanceof PipelineEvent.ProviderEvent p
        && p.event() instanceof TranscriptEvent.Reconnecting) {
      model.status(
          s ->
              new LiveModel.Status(
                  s.connection(),
                  s.reconnects(),
                  s.providerReconnects() + 1,
                  s.muted(),
                  s.volume(),
                  s.note(),
                  s.done()));
    }
  }

  @Override
  public void onError(Throwable t) {
    model.status(
        s ->
            new LiveModel.Status(
                "failed",
                s.reconnects(),
                s.providerReconnects(),
                s.muted(),
                s.volume(),
                String.valueOf(t.getMessage()),
                true));
  }

  @Override
  public void onComplete() {
    model.status(
        s ->
            new LiveModel.Status(
                "ended",
                s.reconnects(),
                s.providerReconnects(),
                s.muted(),
                s.volume(),
                s.note(),
                true));
  }
}
