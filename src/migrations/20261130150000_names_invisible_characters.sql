-- Names may not hold any character that prints as nothing: besides zero-width and
-- bidirectional controls, the soft hyphen, the combining grapheme joiner, the Mongolian
-- vowel separator, invisible operators and deprecated format characters, Hangul fillers,
-- interlinear annotation marks and tag characters (the same set the API refuses).
-- NOT VALID: rows written before are left as they are; every new or changed name is checked.
ALTER TABLE user_profiles DROP CONSTRAINT user_profiles_name_no_invisible_characters;
ALTER TABLE user_profiles ADD CONSTRAINT user_profiles_name_no_invisible_characters
  CHECK (name !~ '[\u200B-\u200D\u2060\uFEFF\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069\u00AD\u034F\u180E\u2061-\u2064\u206A-\u206F\u115F\u1160\u3164\uFFA0\uFFF9-\uFFFB\U000E0000-\U000E007F]') NOT VALID;
