/**
 * The embedded, offline speech-to-text provider: {@link dev.audiopipeline.sphinx.SphinxSttProvider}
 * (CMU Sphinx4 and its US English model, in-process; no key, no network).
 */
@NullMarked
package dev.audiopipeline.sphinx;

import org.jspecify.annotations.NullMarked;
