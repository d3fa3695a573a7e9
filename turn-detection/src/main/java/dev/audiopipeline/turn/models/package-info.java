/** Holds the bundled model files (resources only); opened so the module can read them. */
package dev.audiopipeline.turn.models;
