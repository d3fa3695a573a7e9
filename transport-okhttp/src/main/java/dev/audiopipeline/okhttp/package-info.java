/**
 * OkHttp WebSocket transport for provider modules built on {@code dev.audiopipeline.spi}. An
 * implementation detail of the provider artifacts; applications need not use it directly.
 */
@NullMarked
package dev.audiopipeline.okhttp;

import org.jspecify.annotations.NullMarked;
