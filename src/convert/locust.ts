import { type Conversion, ConvertError } from './types.js';

/** Placeholder until the Locust converter lands (helper F's part of issue 18). */
export function convertLocust(_text: string, _file: string): Conversion {
  throw new ConvertError('the Locust converter is not built yet');
}
