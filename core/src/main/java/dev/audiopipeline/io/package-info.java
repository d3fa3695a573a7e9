/**
 * Files and devices: reading and writing WAV ({@link dev.audiopipeline.io.WavFile}), one WAV file
 * per speaker as a source ({@link dev.audiopipeline.io.WavFileSource}), the microphone ({@link
 * dev.audiopipeline.io.MicrophoneSource}, the library's only {@code javax.sound} user) and the
 * transcript exports JSONL, SRT and WebVTT ({@link dev.audiopipeline.io.TranscriptWriter}).
 *
 * <p>Everything in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.audiopipeline.io;

import org.jspecify.annotations.NullMarked;
