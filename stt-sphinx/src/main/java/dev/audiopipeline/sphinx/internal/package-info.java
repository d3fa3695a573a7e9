/**
 * Sphinx4 front-end components of the embedded recogniser. Not API: named in the recogniser's
 * configuration file, which Sphinx4 instantiates by reflection (hence public).
 */
@NullMarked
package dev.audiopipeline.sphinx.internal;

import org.jspecify.annotations.NullMarked;
