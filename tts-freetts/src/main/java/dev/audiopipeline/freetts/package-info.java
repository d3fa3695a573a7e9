/**
 * The embedded, offline text-to-speech provider: {@link dev.audiopipeline.freetts.FreeTtsProvider}
 * (FreeTTS with the 16 kHz kevin16 voice, in-process; no key, no network).
 */
@NullMarked
package dev.audiopipeline.freetts;

import org.jspecify.annotations.NullMarked;
