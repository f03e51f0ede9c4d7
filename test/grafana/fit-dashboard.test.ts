import { DashboardBuilder, IntervalVariableBuilder, QueryVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { ALL_DASHBOARDS } from '../../src/grafana/dashboards';
import { fitDashboardToGrafana, renderDashboardJson } from '../../src/grafana/model';

type Json = Record<string, unknown>;

describe('fitDashboardToGrafana', () => {
  test('is idempotent on every catalogue dashboard', () => {
    for (const def of ALL_DASHBOARDS) {
      for (const ctx of [{}, { tenant: 'acme' }]) {
        const once = def.build(ctx);
        expect(fitDashboardToGrafana(once)).toEqual(once);
      }
    }
  });

  test('moves a shown table footer to the field config and gives the table cellOptions', () => {
    const built = new DashboardBuilder('t').uid('t')
      .withPanel(new TableBuilder().title('x').footer(new common.TableFooterOptionsBuilder().show(true).reducer(['sum'])))
      .build();
    const table = (JSON.parse(renderDashboardJson(built)) as { panels: Json[] }).panels[0]!;
    expect((table.options as Json).footer).toBeUndefined();
    expect(((table.fieldConfig as Json).defaults as Json).custom).toMatchObject({ cellOptions: { type: 'auto' }, footer: { reducers: ['sum'] } });
  });

  test('keeps the interval fields on interval variables only', () => {
    const built = new DashboardBuilder('v').uid('v')
      .withVariable(new IntervalVariableBuilder('step').values(['1m', '5m']))
      .withVariable(new QueryVariableBuilder('q').query('up'))
      .build();
    const [interval, query] = (JSON.parse(renderDashboardJson(built)) as { templating: { list: Json[] } }).templating.list;
    expect(Object.keys(interval!)).toEqual(expect.arrayContaining(['auto', 'auto_min', 'auto_count']));
    expect(query).not.toHaveProperty('auto');
    expect(query).not.toHaveProperty('auto_min');
  });
});
