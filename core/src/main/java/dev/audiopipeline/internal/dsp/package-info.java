/**
 * Signal processing behind {@link dev.audiopipeline.audio.AudioConverter}: filter design, the
 * polyphase and interpolating resamplers, block decimation and down-mixing. Not API: the module
 * descriptor does not export this package, and its types may change in any release.
 */
@NullMarked
package dev.audiopipeline.internal.dsp;

import org.jspecify.annotations.NullMarked;
