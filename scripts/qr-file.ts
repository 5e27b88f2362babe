import QRCode from "qrcode";
import { PNG } from "pngjs";
import { decodeQrPixels, QR_ERROR_CORRECTION } from "../web/qr.ts";

/** The CLI's QR: PNG bytes (8 px a module) and a terminal rendering (two modules a character row). */
export const qrPng = (text: string): Promise<Buffer> =>
  QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: QR_ERROR_CORRECTION, margin: 4, scale: 8 });
export const qrTerminal = (text: string): Promise<string> =>
  QRCode.toString(text, { type: "terminal", small: true, errorCorrectionLevel: QR_ERROR_CORRECTION });

/** Reads the QR code in a PNG image; null when there is none. */
export function readQrPng(png: Uint8Array): string | null {
  const image = PNG.sync.read(Buffer.from(png));
  return decodeQrPixels(
    new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length),
    image.width,
    image.height,
  );
}
