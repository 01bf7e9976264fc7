/** Business settings reach every function on AWS, checked at synth (infra/shop-settings.ts). */
import { describe, expect, it } from 'vitest';
import { SHOP_SETTINGS, shopSettingsFrom } from '../../infra/shop-settings.js';
import { configCatalogue } from '../../shared/config-catalogue.js';
import { logicalId, synthStack } from '../support/synth-stack.js';

describe('shop settings on AWS', () => {
  it('every function gets the settings set at synth, and none it was not given', () => {
    const { stack, template } = synthStack('ShopSettings', { shopSettings: { MAX_UNPAID_ORDERS: '3', CART_HOLD_MINUTES: '30' } });
    const resources = template.toJSON().Resources;
    expect(stack.functions.size).toBeGreaterThan(50);
    for (const [id, fn] of stack.functions) {
      const env = resources[logicalId(fn)].Properties.Environment.Variables;
      expect(env.MAX_UNPAID_ORDERS, id).toBe('3');
      expect(env.CART_HOLD_MINUTES, id).toBe('30');
      expect(env.PAYMENT_WINDOW_MINUTES, id).toBeUndefined();
    }
  });

  it('takes only shop settings from the environment, and fails the synth naming every bad one', () => {
    expect(shopSettingsFrom({ MAX_UNPAID_ORDERS: '5', JWT_SECRET: 'never', PATH: '/bin', CART_HOLD_MINUTES: '' })).toEqual({ MAX_UNPAID_ORDERS: '5' });
    expect(() => shopSettingsFrom({ MAX_UNPAID_ORDERS: 'many', CART_HOLD_MINUTES: '0' })).toThrow(/MAX_UNPAID_ORDERS.*CART_HOLD_MINUTES|CART_HOLD_MINUTES.*MAX_UNPAID_ORDERS/);
  });

  it('names only variables of the configuration catalogue, and no secret', () => {
    for (const name of SHOP_SETTINGS) expect(Object.keys(configCatalogue)).toContain(name);
    expect(SHOP_SETTINGS.filter((name) => /SECRET|PASSWORD$/.test(name))).toEqual([]);
  });
});
