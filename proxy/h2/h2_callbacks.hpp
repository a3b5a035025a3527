// The nghttp2 callbacks of every downstream HTTP/2 session, built once per
// process: they route frames to h2_session and its streams. Worker only.
#pragma once

struct nghttp2_session_callbacks;

namespace quikedge::h2 {

/// Shared by every session; never freed.
const nghttp2_session_callbacks* callbacks();

}  // namespace quikedge::h2
