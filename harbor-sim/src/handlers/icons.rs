//! Artifact icons (`src/controller/icon/controller.go`): Harbor's built-in icons by their
//! fixed digests; any other digest is looked up among the artifacts' own icons
//! ([`crate::state::icons`]), and a digest no artifact uses is a 404.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

/// The digests of Harbor's built-in icons (`src/lib/icon/const.go`).
pub const BUILT_IN: &[&str] = &[
    "sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06",
    "sha256:61cf3a178ff0f75bf08a25d96b75cf7355dc197749a9f128ed3ef34b0df05518",
    "sha256:089bdda265c14d8686111402c8ad629e8177a1ceb7dcd0f7f39b6480f623b3bd",
    "sha256:da834479c923584f4cbcdecc0dac61f32bef1d51e8aae598cf16bd154efab49f",
    "sha256:badd7693bcaf115be202748241dd0ea6ee3b0524bfab9ac22d1e1c43721afec6",
    "sha256:1e1e5c5fdaf0931ec8655e835d1182f723a0c322a6760211622e1270f0193717",
    "sha256:20401d5b3a0f6dbc607c8d732eb08471af4ae6b19811a4efce8c6a724aed2882",
    "sha256:3ac706e102bbe9362b400aa162df58135d35e66b9c3bee2165de92022d25fe34",
    "sha256:dfcb6617cd9c144358dc1b305b87bbe34f0b619f1e329116e6aee2e41f2e34cf",
    "sha256:c19f80c357cd7e90d2a01b9ae3e2eb62ce447a2662bb590a19177d72d550bdae",
];

/// A 1x1 PNG, base64: the simulator has no image files, only their shape.
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// `GetIcon`: a built-in icon (the simulator's is a 1x1 PNG), else the icon of an artifact
/// that carries it as its own, pulled, decoded and answered as a thumbnail of at most 50x50
/// ([`crate::thumbnail`]); no artifact with it: 404. A blob Go's decoders refuse is Harbor's
/// uncoded error, a 500.
pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let digest = ctx.path("digest");
    if BUILT_IN.contains(&digest) {
        return Ok(Reply::ok(
            &json!({"content-type": "image/png", "content": PNG_1X1}),
        ));
    }
    let blob = s
        .own_icon(digest)
        .ok_or_else(|| ApiError::not_found(format!("the icon {digest} not found")))?;
    let image = image::load_from_memory(&blob).map_err(|e| ApiError::uncoded(e.to_string()))?;
    let png =
        crate::thumbnail::icon_thumbnail(&image).map_err(|e| ApiError::uncoded(e.to_string()))?;
    Ok(Reply::ok(
        &json!({"content-type": "image/png", "content": STANDARD.encode(png)}),
    ))
}
