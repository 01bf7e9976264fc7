import * as z from 'zod';

/** C0 and C1 control characters (NUL, tab, newlines, ESC, DEL, …). */
const CONTROL = /\p{Cc}/u;
/** The same, but newlines and tabs are fine in a message. */
const CONTROL_EXCEPT_NEWLINES_AND_TABS = /(?![\n\r\t])\p{Cc}/u;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE_PATTERN = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (value: string) => !LONE_SURROGATE_PATTERN.test(value);
const LONE_SURROGATE = 'must not contain lone surrogates (invalid UTF-16)';

/**
 * One line of text a person typed (names, address lines, carriers, reasons): no control
 * characters, no lone surrogates, trimmed and stored NFC-normalised (so `é` typed as e + ◌́
 * and as one code point are the same name). Chain `.min()`/`.max()` on it; lengths count
 * after normalisation.
 */
export const singleLineText = () =>
  z
    .string()
    .refine(wellFormed, LONE_SURROGATE)
    .refine((value) => !CONTROL.test(value), 'must not contain control characters')
    .trim()
    .normalize('NFC');

/** Free text that may span lines (messages, descriptions): newlines and tabs allowed, other control characters not. */
export const multiLineText = () =>
  z
    .string()
    .refine(wellFormed, LONE_SURROGATE)
    .refine((value) => !CONTROL_EXCEPT_NEWLINES_AND_TABS.test(value), 'must not contain control characters other than newlines and tabs')
    .trim()
    .normalize('NFC');
