/**
 * Audio itself: the {@link dev.audiopipeline.audio.AudioFormat format} of 16-bit PCM, the {@link
 * dev.audiopipeline.audio.AudioFrame frames} a source delivers, the {@link
 * dev.audiopipeline.audio.AudioSource source} and {@link dev.audiopipeline.audio.AudioSink sink}
 * contracts that connect a room, a file or a microphone to the pipeline, and the {@link
 * dev.audiopipeline.audio.AudioConverter converter} that resamples and down-mixes any rate and
 * channel count to what a recogniser wants.
 *
 * <p>Everything in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.audiopipeline.audio;

import org.jspecify.annotations.NullMarked;
