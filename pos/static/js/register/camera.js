// Scanning price tags (Code 128) and QR codes with the tablet's camera, for booths
// without a barcode scanner. The browser's own BarcodeDetector where it has one (Android
// Chrome); elsewhere (iPad Safari) ZXing's decoder, loaded only when first needed. The
// camera needs a secure context: HTTPS (pos serve --tls) or the laptop itself.
const FORMATS = ["code_128", "qr_code", "ean_13"];
const ZXING_URL = new URL("../../vendor/zxing-library-0.23.0/zxing.min.js", import.meta.url).href;
const EVERY_MS = 150;

let zxingLoading = null;

function loadZxing() {
  zxingLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = ZXING_URL;
    script.onload = () => resolve(window.ZXing);
    script.onerror = () => {
      zxingLoading = null;
      reject(new Error("decoder_unavailable"));
    };
    document.head.append(script);
  });
  return zxingLoading;
}

export function cameraAvailable() {
  return Boolean(window.isSecureContext && navigator.mediaDevices?.getUserMedia);
}

// A function that reads the code in an image, a canvas or a playing video (or null).
export async function makeDecoder({ native = true } = {}) {
  if (native && "BarcodeDetector" in window) {
    const supported = await window.BarcodeDetector.getSupportedFormats();
    const formats = FORMATS.filter((f) => supported.includes(f));
    if (formats.length) {
      const detector = new window.BarcodeDetector({ formats });
      return async (source) => (await detector.detect(source))[0]?.rawValue ?? null;
    }
  }
  const ZXing = await loadZxing();
  const reader = new ZXing.MultiFormatReader();
  const hints = new Map();
  hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS, [ZXing.BarcodeFormat.CODE_128, ZXing.BarcodeFormat.QR_CODE, ZXing.BarcodeFormat.EAN_13]);
  hints.set(ZXing.DecodeHintType.TRY_HARDER, true);
  reader.setHints(hints);
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (source) => {
    const width = source.videoWidth || source.naturalWidth || source.width;
    const height = source.videoHeight || source.naturalHeight || source.height;
    if (!width || !height) return null;
    canvas.width = width;
    canvas.height = height;
    context.drawImage(source, 0, 0, width, height);
    try {
      const luminance = new ZXing.HTMLCanvasElementLuminanceSource(canvas);
      return reader.decode(new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(luminance))).getText();
    } catch {
      return null; // no code in this frame
    } finally {
      reader.reset();
    }
  };
}

// Show the back camera in `video` until a code is read (its text) or `signal` aborts
// (null). Throws when the camera cannot be had (refused, none, not a secure context).
export async function scan(video, signal) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 } },
    audio: false,
  });
  try {
    video.srcObject = stream;
    await video.play();
    const decode = await makeDecoder();
    while (!signal.aborted) {
      const code = await decode(video).catch(() => null);
      if (code) return code.trim();
      await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
    }
    return null;
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  }
}
