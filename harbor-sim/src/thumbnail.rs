//! The thumbnail Harbor's icon controller answers for an artifact's own icon:
//! `resize.Thumbnail(50, 50, img, resize.NearestNeighbor)` of `github.com/nfnt/resize`,
//! then `png.Encode`, ported on 8-bit channels.
//!
//! nfnt's "nearest neighbour" is a box filter when it shrinks: each output pixel is the
//! plain average (in `float32`, truncated) of the input pixels whose centres fall in its
//! span, found by `createWeightsNearest`, one axis at a time (rows first, into a transposed
//! image). The 8-bit paths of Go's decoded images (`RGBA`, `NRGBA`, `Gray`: 8-bit PNGs) give
//! exactly these pixels; paletted images (GIF, palette PNG) and 16-bit PNGs, which nfnt
//! averages in 16 bits, premultiplied, and JPEG's `YCbCr`, which it averages before the
//! colour conversion, may differ by rounding.

use image::{DynamicImage, GrayImage, ImageEncoder, RgbaImage};

/// Harbor's thumbnail bound (`resize.Thumbnail(50, 50, ...)`).
pub const MAX_SIDE: u32 = 50;

/// The size `Thumbnail` resizes to: the image's own when it fits, else the aspect ratio
/// kept in integer arithmetic, each side at least 1.
pub fn thumbnail_size(width: u32, height: u32, max_width: u32, max_height: u32) -> (u32, u32) {
    if max_width >= width && max_height >= height {
        return (width, height);
    }
    let (mut new_width, mut new_height) = (width, height);
    if width > max_width {
        new_height = (u64::from(height) * u64::from(max_width) / u64::from(width)).max(1) as u32;
        new_width = max_width;
    }
    if new_height > max_height {
        new_width =
            (u64::from(new_width) * u64::from(max_height) / u64::from(new_height)).max(1) as u32;
        new_height = max_height;
    }
    (new_width, new_height)
}

/// `createWeightsNearest(dy, 2, 1.0, scale)`: for each of `dy` outputs, the first input it
/// reads and which of the `filter_length` inputs from there count.
fn nearest_weights(dy: usize, scale: f64) -> (Vec<bool>, Vec<isize>, usize) {
    let filter_length = 2 * scale.ceil().max(1.0) as usize;
    let filter_factor = (1.0 / scale).min(1.0);
    let mut coeffs = vec![false; dy * filter_length];
    let mut start = vec![0isize; dy];
    for y in 0..dy {
        let mut interp = scale * (y as f64 + 0.5) - 0.5;
        // Go's `int(x)` truncates toward zero.
        start[y] = interp.trunc() as isize - filter_length as isize / 2 + 1;
        interp -= start[y] as f64;
        for i in 0..filter_length {
            let t = (interp - i as f64) * filter_factor;
            coeffs[y * filter_length + i] = (-0.5..0.5).contains(&t);
        }
    }
    (coeffs, start, filter_length)
}

/// One pass of `nearestNRGBA` over `channels`-byte pixels: each of `rows` input rows of
/// `in_width` pixels resampled to `out_width`, written transposed (`out_width` rows of
/// `rows` pixels).
fn nearest_pass(
    input: &[u8],
    rows: usize,
    in_width: usize,
    out_width: usize,
    channels: usize,
) -> Vec<u8> {
    let scale = in_width as f64 / out_width as f64;
    let (coeffs, start, filter_length) = nearest_weights(out_width, scale);
    let max_x = in_width as isize - 1;
    let mut out = vec![0u8; out_width * rows * channels];
    for x in 0..rows {
        let row = &input[x * in_width * channels..(x + 1) * in_width * channels];
        for y in 0..out_width {
            let mut sums = [0f32; 4];
            let mut count = 0f32;
            for i in 0..filter_length {
                if !coeffs[y * filter_length + i] {
                    continue;
                }
                let xi = (start[y] + i as isize).clamp(0, max_x.max(0)) as usize;
                for (c, sum) in sums.iter_mut().enumerate().take(channels) {
                    *sum += f32::from(row[xi * channels + c]);
                }
                count += 1.0;
            }
            let at = (y * rows + x) * channels;
            for c in 0..channels {
                let value = sums[c] / count;
                // `floatToUint8`: above 254 is 255, else truncated.
                out[at + c] = if value > 254.0 { 255 } else { value as u8 };
            }
        }
    }
    out
}

/// nfnt's `Resize(width, height, img, NearestNeighbor)` on `channels`-byte pixels: the rows
/// resampled into a transposed image, then its rows, transposed back.
fn resize_nearest(pixels: Vec<u8>, size: (u32, u32), to: (u32, u32), channels: usize) -> Vec<u8> {
    // (An image without pixels never gets here: `icon_thumbnail` refuses it.)
    if size == to {
        return pixels;
    }
    let (width, height) = (size.0 as usize, size.1 as usize);
    let (new_width, new_height) = (to.0 as usize, to.1 as usize);
    let temp = nearest_pass(&pixels, height, width, new_width, channels);
    nearest_pass(&temp, new_width, height, new_height, channels)
}

/// The icon as Harbor answers it: decoded, thumbnailed to at most 50x50 and PNG-encoded
/// (grey stays grey; an opaque image is written without alpha, as Go's encoder does).
pub fn icon_thumbnail(image: &DynamicImage) -> Result<Vec<u8>, image::ImageError> {
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 {
        // Go's `png.Encode` refuses it (`invalid image size`): Harbor's 500.
        return Err(image::ImageError::Parameter(
            image::error::ParameterError::from_kind(
                image::error::ParameterErrorKind::DimensionMismatch,
            ),
        ));
    }
    let to = thumbnail_size(width, height, MAX_SIDE, MAX_SIDE);
    let mut png = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(&mut png);
    if let DynamicImage::ImageLuma8(gray) = image {
        let pixels = resize_nearest(gray.as_raw().clone(), (width, height), to, 1);
        let gray = GrayImage::from_raw(to.0, to.1, pixels).expect("the resized size");
        encoder.write_image(&gray, to.0, to.1, image::ExtendedColorType::L8)?;
        return Ok(png);
    }
    let rgba: RgbaImage = image.to_rgba8();
    let pixels = resize_nearest(rgba.into_raw(), (width, height), to, 4);
    if pixels.chunks_exact(4).all(|p| p[3] == 255) {
        let rgb: Vec<u8> = pixels
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        encoder.write_image(&rgb, to.0, to.1, image::ExtendedColorType::Rgb8)?;
    } else {
        encoder.write_image(&pixels, to.0, to.1, image::ExtendedColorType::Rgba8)?;
    }
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thumbnail_keeps_the_aspect_ratio_in_integers() {
        assert_eq!(thumbnail_size(40, 30, 50, 50), (40, 30), "fits: unchanged");
        assert_eq!(thumbnail_size(100, 100, 50, 50), (50, 50));
        assert_eq!(thumbnail_size(200, 100, 50, 50), (50, 25));
        assert_eq!(thumbnail_size(100, 300, 50, 50), (16, 50), "50*50/150 = 16");
        assert_eq!(thumbnail_size(1000, 3, 50, 50), (50, 1), "at least 1");
        assert_eq!(thumbnail_size(40, 60, 50, 50), (33, 50), "narrow but tall");
    }

    #[test]
    fn halving_averages_each_two_by_two_block() {
        // 4x2 grey: halved to 2x1, each output the mean of a 2x2 block, truncated.
        let pixels = vec![0, 10, 100, 101, 20, 30, 200, 201];
        let out = resize_nearest(pixels, (4, 2), (2, 1), 1);
        assert_eq!(out, vec![15, 150]);
    }

    #[test]
    fn a_third_reads_three_inputs_and_clamps_at_the_edge() {
        let (coeffs, start, length) = nearest_weights(2, 3.0);
        assert_eq!(length, 6);
        let taken: Vec<isize> = (0..2)
            .map(|y| (0..length).filter(|i| coeffs[y * length + i]).count() as isize)
            .collect();
        assert_eq!(taken, vec![3, 3]);
        assert_eq!(start, vec![-1, 2]);
        // 6 pixels to 2: (1+2+3)/3 and (4+5+6)/3.
        let out = resize_nearest(vec![1, 2, 3, 4, 5, 6], (6, 1), (2, 1), 1);
        assert_eq!(out, vec![2, 5]);
        // 5 to 2 (a scale of 2.5): the first output reads three inputs (its span's edge at
        // -0.5 counts), the second two.
        let out = resize_nearest(vec![0, 0, 0, 30, 60], (5, 1), (2, 1), 1);
        assert_eq!(out, vec![0, 45]);
    }

    #[test]
    fn channels_average_apart_and_round_up_only_past_254() {
        // 2x1 RGBA halved: each channel's own mean.
        let out = resize_nearest(vec![10, 20, 30, 255, 30, 60, 90, 255], (2, 1), (1, 1), 4);
        assert_eq!(out, vec![20, 40, 60, 255]);
        // 254 stays 254; 254.5 becomes 255 (`floatToUint8`).
        assert_eq!(resize_nearest(vec![254, 254], (2, 1), (1, 1), 1), vec![254]);
        assert_eq!(resize_nearest(vec![254, 255], (2, 1), (1, 1), 1), vec![255]);
    }

    #[test]
    fn an_image_without_pixels_has_no_thumbnail() {
        let empty = DynamicImage::ImageRgba8(RgbaImage::new(0, 100));
        assert!(icon_thumbnail(&empty).is_err());
    }

    #[test]
    fn a_thumbnail_is_a_png_of_the_bounded_size() {
        let image = DynamicImage::ImageRgba8(RgbaImage::from_pixel(
            120,
            60,
            image::Rgba([200, 10, 10, 255]),
        ));
        let png = icon_thumbnail(&image).unwrap();
        let back = image::load_from_memory(&png).unwrap();
        assert_eq!((back.width(), back.height()), (50, 25));
        assert!(
            matches!(back, DynamicImage::ImageRgb8(_)),
            "opaque: no alpha"
        );
        assert_eq!(back.to_rgb8().get_pixel(3, 3).0, [200, 10, 10]);
    }
}
