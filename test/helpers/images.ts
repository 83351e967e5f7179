// The test images as data: URLs, the form tool arguments take them in (test/fixtures/image-64x36.*).
import { readFile } from 'node:fs/promises';

const dataUrl = async (mimeType: string, file: string) =>
  `data:${mimeType};base64,${(await readFile(`test/fixtures/${file}`)).toString('base64')}`;

export const PNG_DATA_URL = await dataUrl('image/png', 'image-64x36.png');
export const JPEG_DATA_URL = await dataUrl('image/jpeg', 'image-64x36.jpg');
