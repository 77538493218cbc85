// Django's apply order follows the dependencies across apps, as `migrate` does.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { discover } from '../../src/migrations/index.js';

const files: Record<string, string> = {
  'app/shop/migrations/0001_initial.py': 'class Migration(migrations.Migration):\n    dependencies = [("users", "0002_email")]\n',
  'app/shop/migrations/0002_order.py': 'class Migration(migrations.Migration):\n    dependencies = [("shop", "0001_initial")]\n',
  'app/users/migrations/0001_initial.py': 'class Migration(migrations.Migration):\n    dependencies = []\n',
  'app/users/migrations/0002_email.py': 'class Migration(migrations.Migration):\n    dependencies = [\n        ("users", "0001_initial"),\n        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n    ]\n',
  'app/users/migrations/fix_data.py': 'class Migration(migrations.Migration):\n    dependencies = [("users", "__first__")]\n',
};

describe('Django dependency order', () => {
  it('applies cross-app dependencies first, one history per project, and finds migrations without a number', () => {
    const result = discover({ paths: Object.keys(files), config: configSchema.parse({}), readFile: (p) => files[p] });
    expect(result.migrations.map((m) => m.path)).toEqual([
      'app/users/migrations/0001_initial.py',
      'app/users/migrations/0002_email.py',
      'app/shop/migrations/0001_initial.py',
      'app/shop/migrations/0002_order.py',
      'app/users/migrations/fix_data.py',
    ]);
    expect(new Set(result.migrations.map((m) => m.set))).toEqual(new Set(['app']));
  });
});
