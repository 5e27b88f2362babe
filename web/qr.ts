import QRCode from "qrcode";
import jsQRModule from "jsqr";

/**
 * Drawing and reading QR codes, for every page, the wallet and the CLI alike (browser-safe:
 * qrcode's and jsQR's pure parts). What text a presentation's QR carries is the wallet's
 * (`wallet/qr.ts`); PNG files and the terminal are the CLI's (`scripts/qr-file.ts`).
 */

// jsqr's UMD build exports the function itself; its typings claim an ES default export.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** Error correction M (15 %): what the size goal is stated at, and what phone screens read well. */
export const QR_ERROR_CORRECTION = "M";

export interface QrSize {
  readonly characters: number;
  /** QR version (1–40) at level M; null when the text fits no QR code at that level. */
  readonly version: number | null;
  readonly modules: number | null;
}

export function qrSize(text: string): QrSize {
  try {
    const qr = QRCode.create(text, { errorCorrectionLevel: QR_ERROR_CORRECTION });
    return { characters: text.length, version: qr.version, modules: qr.modules.size };
  } catch {
    return { characters: text.length, version: null, modules: null };
  }
}

/** SVG markup of the code (4-module quiet zone), for a page. */
export const qrSvg = (text: string): Promise<string> =>
  QRCode.toString(text, { type: "svg", errorCorrectionLevel: QR_ERROR_CORRECTION, margin: 4 });

/** Reads a QR code from RGBA pixels (a canvas, a camera frame, a decoded PNG); null when none is found. */
export function decodeQrPixels(rgba: Uint8ClampedArray, width: number, height: number): string | null {
  return jsQR(rgba, width, height, { inversionAttempts: "attemptBoth" })?.data ?? null;
}
