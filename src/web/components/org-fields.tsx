import { Select, SimpleGrid } from '@mantine/core';
import { currencyOptions, MONTH_OPTIONS, timeZoneOptions } from '../lib/locale.ts';

export interface OrgFieldValues {
  currency: string;
  timeZone: string;
  fiscalYearStartMonth: string;
}

/** Currency, time zone and fiscal-year start: shared by the first-run setup and the org settings page. */
export function OrgFields({
  values,
  onChange,
  errors,
}: {
  values: OrgFieldValues;
  onChange: (values: OrgFieldValues) => void;
  errors: Partial<Record<keyof OrgFieldValues, string>>;
}) {
  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
        <Select
          label="Currency"
          description="ISO 4217 code used for money"
          data={currencyOptions(values.currency)}
          value={values.currency}
          onChange={(value) => onChange({ ...values, currency: value ?? values.currency })}
          searchable
          allowDeselect={false}
          nothingFoundMessage="No such currency"
          required
          error={errors.currency}
        />
        <Select
          label="Fiscal year starts in"
          description="First month of the fiscal year"
          data={MONTH_OPTIONS}
          value={values.fiscalYearStartMonth}
          onChange={(value) =>
            onChange({ ...values, fiscalYearStartMonth: value ?? values.fiscalYearStartMonth })
          }
          allowDeselect={false}
          required
          error={errors.fiscalYearStartMonth}
        />
      </SimpleGrid>
      <Select
        label="Time zone"
        description="Periods (weeks, months, quarters) are computed in this zone"
        data={timeZoneOptions(values.timeZone)}
        value={values.timeZone}
        onChange={(value) => onChange({ ...values, timeZone: value ?? values.timeZone })}
        searchable
        allowDeselect={false}
        nothingFoundMessage="No such time zone"
        required
        error={errors.timeZone}
      />
    </>
  );
}
