/**
 * Audio Pipeline's public API: speaker-labelled, real-time transcripts from live audio.
 *
 * <p>Start with {@link dev.audiopipeline.AudioPipeline}: give it an {@link
 * dev.audiopipeline.audio.AudioSource} (a LiveKit room, WAV files, the microphone) and an {@link
 * dev.audiopipeline.SttProvider}, call {@code startTranscription()}, and subscribe to the returned
 * {@link dev.audiopipeline.TranscriptionSession}, a {@code Flow.Publisher<Transcript>}.
 *
 * <p>Everything in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.audiopipeline;

import org.jspecify.annotations.NullMarked;
