import { describe, expect, it } from 'vitest';
import { defaultConfigValue } from '../../src/config/defaults.js';
import { configSchema, defaultConfig } from '../../src/config/schema.js';

describe('defaultConfigValue', () => {
  it('is exactly what the schema makes of an empty config', () => {
    expect(defaultConfigValue()).toStrictEqual(configSchema.parse({}));
    expect(defaultConfigValue()).toStrictEqual(defaultConfig());
  });

  it('is a fresh object each time (callers apply CLI overrides to it)', () => {
    const a = defaultConfigValue();
    a.engines.push('squawk');
    a.trace.enabled = false;
    expect(defaultConfigValue().engines).toEqual(['builtin', 'squawk']);
    expect(defaultConfigValue().trace.enabled).toBe(true);
  });
});
