/**
 * A LiveKit agent worker ({@link dev.audiopipeline.livekit.agent.AgentWorker}): the server's own
 * dispatcher spreads rooms over every registered worker, so N JVMs on N machines share the rooms
 * with no coordinator of ours.
 */
@NullMarked
package dev.audiopipeline.livekit.agent;

import org.jspecify.annotations.NullMarked;
