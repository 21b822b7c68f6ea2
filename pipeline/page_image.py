"""A scanned or photographed page made readable before layout and OCR.

Three fixes, each decided on a small copy of the page (a few milliseconds) and applied to the
full image only when the page needs it, so a clean grey scan costs nothing extra:
- coloured ink (a red stamp, a blue signature) is lifted off before binarisation: a pixel is
  pushed towards white by how saturated it is, so black text under a stamp stays black;
- a phone photo's page outline (a bright quadrilateral on a darker desk) is found and the page
  straightened to a rectangle (perspective correction);
- uneven light (a lamp on one side, the phone's shadow) is flattened by dividing the page by
  its own background, estimated with the text filtered out;
- a black-and-white page (a fax) is softened a little: Tesseract reads smooth edges better.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

cv2.setNumThreads(1)  # pages already run in parallel, one per core

SAMPLE_WIDTH = 1000  # pixels: the small copy every decision is taken on
MIN_INK_SATURATION = 60  # max - min of R, G, B: coloured ink, not a warm cast of the paper
MIN_COLOURED_SHARE = 0.0004  # of the sample's pixels: a stamp or a signature, not JPEG fringes
SATURATION_LIFT = 1.6  # how far a coloured pixel is pushed towards white per unit of saturation
PAPER_SATURATION = 25  # a warm light or JPEG colour noise on paper: not lifted
FRINGE_GREY = 110  # next to coloured ink, lighter than this is the ink's fringe, not text
MIN_PAGE_AREA, MAX_PAGE_AREA = 0.3, 0.985  # share of the photo the page outline covers
MIN_CORNER_OFFSET = 0.015  # of the diagonal: a straighter outline is left as it is
MIN_LIGHT_SPREAD = 0.12  # (bright - dark) / bright of the background: flattened above this
A4_WIDTH_INCHES = 8.27
BILEVEL_SHARE = 0.998  # of pixels pure black or white: a fax (a clean render has ~97.5 %)
BILEVEL_SMOOTHING = 1.0  # Gaussian sigma, pixels: fax body text CER 0.5-8.7 % -> 0 % on our faxes


@dataclass
class Fixes:
    """What a page needs, decided on its sample."""

    colour: bool = False  # coloured ink to lift off
    outline: np.ndarray | None = None  # 4x2 corners (sample pixels) of a photographed page
    light: bool = False  # uneven background to flatten
    bilevel: bool = False  # black and white only (a fax): edges to soften before OCR

    @property
    def any(self) -> bool:
        return self.colour or self.outline is not None or self.light or self.bilevel


def sample_of(picture: Image.Image) -> tuple[np.ndarray, float]:
    """A copy about SAMPLE_WIDTH wide (RGB or grey as the page is) and its scale."""
    if picture.mode not in ("L", "RGB"):
        picture = picture.convert("L" if picture.mode in ("1", "I", "I;16", "F") else "RGB")
    pixels = np.asarray(picture)
    factor = min(1.0, SAMPLE_WIDTH / picture.width)
    if factor < 1.0:
        size = (max(1, round(picture.width * factor)), max(1, round(picture.height * factor)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    return pixels, factor


def inspect(sample: np.ndarray, picture: Image.Image | None = None) -> Fixes:
    """Which fixes the page needs, from its sample (RGB or grey uint8) and, for a fax, a
    look at the page's own pixels."""
    fixes = Fixes(bilevel=picture is not None and is_bilevel(picture))
    if sample.ndim == 3:
        fixes.colour = _has_coloured_ink(sample)
        gray = lift_colour(sample) if fixes.colour else cv2.cvtColor(sample, cv2.COLOR_RGB2GRAY)
    else:
        gray = sample
    fixes.outline = page_outline(gray)
    if fixes.outline is not None:
        gray = _warp(gray, fixes.outline, 1.0)
    fixes.light = light_spread(gray) > MIN_LIGHT_SPREAD
    return fixes


def apply(picture: Image.Image, fixes: Fixes, factor: float) -> tuple[Image.Image, int | None]:
    """The full page with its fixes applied, as a grey image, and the resolution a
    straightened photo has (None when the page was not straightened)."""
    mode = "RGB" if fixes.colour else "L"
    pixels = np.asarray(picture if picture.mode == mode else picture.convert(mode))
    gray = lift_colour(pixels) if fixes.colour else pixels
    dpi = None
    if fixes.outline is not None:
        gray = _warp(gray, fixes.outline, 1 / factor)
        dpi = round(gray.shape[1] / A4_WIDTH_INCHES)
    if fixes.light:
        gray = flatten_light(gray)
    if fixes.bilevel:  # Tesseract reads a fax's stair-stepped letters better softened
        gray = cv2.GaussianBlur(despeckled(gray), (0, 0), BILEVEL_SMOOTHING)
    out = Image.fromarray(np.ascontiguousarray(gray), "L")
    return out, dpi


def despeckled(gray: np.ndarray) -> np.ndarray:
    """A black-and-white page without its lone black pixels (a fax's speckle): no stroke of a
    letter, a comma or a dot is one pixel with no inked neighbour, but softened and shrunk
    several specks side by side make a mark the size of a dot or a dash."""
    ink = (gray < 128).astype(np.uint8)
    neighbours = cv2.filter2D(ink, -1, np.ones((3, 3), np.float32),
                              borderType=cv2.BORDER_CONSTANT)
    out = gray.copy()
    out[(ink == 1) & (neighbours == 1)] = 255
    return out


def is_bilevel(picture: Image.Image) -> bool:
    """A black-and-white page: a 1-bit image, or grey pixels nearly all black or white."""
    if picture.mode == "1":
        return True
    return picture.mode == "L" and bilevel_pixels(np.asarray(picture)[::7, ::7])


def bilevel_pixels(pixels: np.ndarray) -> bool:
    """Grey pixels nearly all pure black or white (an anti-aliased page has a few % between)."""
    return np.count_nonzero((pixels == 0) | (pixels == 255)) >= BILEVEL_SHARE * pixels.size


def _extremes(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel max and min of R, G, B (OpenCV: numpy reduces a last axis of 3 slowly)."""
    red, green, blue = cv2.split(rgb)
    return cv2.max(cv2.max(red, green), blue), cv2.min(cv2.min(red, green), blue)


def _has_coloured_ink(rgb: np.ndarray) -> bool:
    high, low = _extremes(rgb)
    coloured = (cv2.subtract(high, low) > MIN_INK_SATURATION) & (low < 170)
    return np.count_nonzero(coloured) > MIN_COLOURED_SHARE * coloured.size


def lift_colour(rgb: np.ndarray) -> np.ndarray:
    """Grey where saturated ink turns light: luminance + SATURATION_LIFT x saturation; next
    to coloured ink (its JPEG-blurred fringe), what is not black takes the brightness of its
    brightest channel, as the paper has."""
    high, low = _extremes(rgb)
    luminance = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    chroma = cv2.subtract(high, low)
    gray = cv2.addWeighted(luminance, 1.0, cv2.subtract(chroma, PAPER_SATURATION),
                           SATURATION_LIFT, 0)
    near = cv2.dilate((chroma > MIN_INK_SATURATION).astype(np.uint8), np.ones((5, 5), np.uint8))
    fringe = (near > 0) & (gray > FRINGE_GREY)
    gray[fringe] = np.maximum(gray[fringe], high[fringe])  # the paper's own brightness
    return gray


def page_outline(gray: np.ndarray) -> np.ndarray | None:
    """Corners (top-left, top-right, bottom-right, bottom-left) of a page photographed on a
    darker ground; None when the page fills the image or no clear outline is found."""
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(contour) / (gray.shape[0] * gray.shape[1])
    if not MIN_PAGE_AREA <= area <= MAX_PAGE_AREA:
        return None
    polygon = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
    if len(polygon) != 4 or not cv2.isContourConvex(polygon):
        return None
    corners = _ordered(polygon.reshape(4, 2).astype(np.float32))
    h, w = gray.shape
    frame = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    offsets = np.linalg.norm(corners - frame, axis=1) / np.hypot(w, h)
    if offsets.max() < MIN_CORNER_OFFSET:
        return None
    inside = cv2.fillConvexPoly(np.zeros_like(gray), corners.astype(np.int32), 255) > 0
    if inside.all() or np.median(gray[~inside]) > 0.8 * np.median(gray[inside]):
        return None  # the "outside" is as bright as the page: not a photo's desk
    return corners


def _ordered(points: np.ndarray) -> np.ndarray:
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.float32([points[np.argmin(total)], points[np.argmin(diff)],
                       points[np.argmax(total)], points[np.argmax(diff)]])


def _warp(gray: np.ndarray, corners: np.ndarray, scale: float) -> np.ndarray:
    """The quadrilateral `corners` (sample pixels x scale = image pixels) as an upright page."""
    quad = corners * scale
    width = round(max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])))
    height = round(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])))
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(gray, matrix, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def _background(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness under the text: text removed by a max filter, then smoothed."""
    size = max(7, gray.shape[1] // 60) | 1
    paper = cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    return cv2.blur(paper, (size * 3, size * 3))


def light_spread(gray: np.ndarray) -> float:
    """How uneven the light on a page is: (bright - dark) / bright of its background."""
    small = gray if gray.shape[1] <= SAMPLE_WIDTH else cv2.resize(
        gray, (SAMPLE_WIDTH, round(gray.shape[0] * SAMPLE_WIDTH / gray.shape[1])),
        interpolation=cv2.INTER_AREA)
    background = _background(small)
    margin = (slice(small.shape[0] // 20, -small.shape[0] // 20 or None),
              slice(small.shape[1] // 20, -small.shape[1] // 20 or None))
    low, high = np.percentile(background[margin], (3, 97))
    return float((high - low) / max(high, 1.0))


def flatten_light(gray: np.ndarray) -> np.ndarray:
    """The page divided by its background (estimated on a reduced copy): even paper white."""
    factor = min(1.0, SAMPLE_WIDTH / gray.shape[1])
    small = cv2.resize(gray, (round(gray.shape[1] * factor), round(gray.shape[0] * factor)),
                       interpolation=cv2.INTER_AREA) if factor < 1.0 else gray
    background = cv2.resize(_background(small), (gray.shape[1], gray.shape[0]),
                            interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, background, scale=245)
    return flat
