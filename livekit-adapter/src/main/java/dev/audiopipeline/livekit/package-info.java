/**
 * Joins a LiveKit room as a bot, turns every participant's audio track into a speaker stream, and
 * speaks back into the room ({@link dev.audiopipeline.livekit.LiveKitRoomSource#speak}).
 *
 * <p>Start with {@link dev.audiopipeline.livekit.LiveKitRoomSource} (an {@link
 * dev.audiopipeline.audio.AudioSource}) or the one-call {@link
 * dev.audiopipeline.livekit.LiveKitTranscriber}.
 *
 * <p>Everything in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.audiopipeline.livekit;

import org.jspecify.annotations.NullMarked;
