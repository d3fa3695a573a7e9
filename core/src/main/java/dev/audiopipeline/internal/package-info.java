/**
 * Implementation details of Audio Pipeline. Not API: these types may change in any release. They
 * are public only so that sibling modules of this project can use them.
 */
@NullMarked
package dev.audiopipeline.internal;

import org.jspecify.annotations.NullMarked;
