/**
 * Offline turn detection: Silero VAD v5 for speech activity and Smart Turn v3.2 for end of turn,
 * run by ONNX Runtime on the CPU, per speaker. The models ship inside this jar.
 */
@NullMarked
package dev.audiopipeline.turn;

import org.jspecify.annotations.NullMarked;
