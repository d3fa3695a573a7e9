package dev.audiopipeline.livekit;

import com.auth0.jwt.JWT;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a supplied LiveKit token grants, read from its payload only: the signature is not verified
 * (the server does that) and the token itself never appears in a message.
 *
 * <p>The server's rules (livekit-server {@code ParticipantImpl.onReceivedDataMessage}): without
 * {@code canPublishData} every data packet is dropped, and when the grant leaves {@code
 * canPublishData} unset it follows {@code canPublish}, which defaults to true; only an agent
 * ({@code "kind":"agent"} or {@code video.agent: true}) may put another participant's identity on a
 * caption.
 */
record TokenGrants(@Nullable String identity, boolean canPublishData, boolean agent) {

  /**
   * Reads the grants of {@code jwt}.
   *
   * @throws IllegalArgumentException if the payload is not a readable JWT payload (the message
   *     names no part of the token)
   */
  static TokenGrants of(String jwt) {
    try {
      DecodedJWT decoded = JWT.decode(jwt);
      Claim video = decoded.getClaim("video");
      Map<String, Object> grant = video.isMissing() || video.isNull() ? null : video.asMap();
      if (grant == null && !video.isMissing() && !video.isNull()) {
        throw new JWTDecodeException("video is not an object"); // reported below, without it
      }
      Boolean canPublish = grant == null ? null : bool(grant.get("canPublish"));
      Boolean canPublishData = grant == null ? null : bool(grant.get("canPublishData"));
      boolean publishData =
          canPublishData != null ? canPublishData : (canPublish == null || canPublish);
      Boolean agentGrant = grant == null ? null : bool(grant.get("agent"));
      Claim kind = decoded.getClaim("kind");
      boolean agent =
          Boolean.TRUE.equals(agentGrant)
              || (!kind.isMissing() && !kind.isNull() && "agent".equals(kind.asString()));
      return new TokenGrants(decoded.getSubject(), publishData, agent);
    } catch (JWTDecodeException e) {
      // the library's message may quote the decoded payload: not passed on, nor the cause
      throw new IllegalArgumentException(
          "token payload is not a readable JWT payload (base64url JSON with an object \"video\""
              + " grant), so the grants captions need cannot be checked");
    }
  }

  private static @Nullable Boolean bool(@Nullable Object v) {
    return v instanceof Boolean b ? b : null;
  }

  /**
   * Fails when captions cannot work with this token.
   *
   * @throws IllegalStateException naming the missing grant and the fix, never the token
   */
  void requireCaptionGrants() {
    if (!canPublishData) {
      throw new IllegalStateException(
          "captions need the token's canPublishData grant: the server silently drops every data"
              + " packet of a participant without it (this token sets canPublishData=false, or"
              + " canPublish=false without canPublishData=true). Mint the token with"
              + " canPublishData=true, or turn captions off");
    }
    if (!agent) {
      throw new IllegalStateException(
          "captions need the token's agent grant (video.agent=true or \"kind\":\"agent\"): without"
              + " it the server stamps every caption with the bot's identity instead of the"
              + " speaker's. Mint the token with the agent grant, or turn captions off");
    }
  }

  @Override
  public String toString() {
    return "TokenGrants{identity="
        + identity
        + ", canPublishData="
        + canPublishData
        + ", agent="
        + agent
        + "}";
  }
}
