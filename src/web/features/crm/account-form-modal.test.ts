import { describe, expect, it } from 'vitest';
import { accountBody } from './account-form-modal.tsx';

describe('accountBody', () => {
  it('leaves blank fields out, trims text and sends coordinates as numbers', () => {
    expect(
      accountBody({
        name: '  Acme  ',
        street: '',
        city: 'Chicago',
        region: ' ',
        postalCode: '',
        country: '',
        latitude: '41,88',
        longitude: '-87.63',
        territory: '',
        industry: '',
        tier: null,
        status: 'active',
        externalSource: '',
        externalId: '',
      }),
    ).toEqual({ name: 'Acme', city: 'Chicago', latitude: 41.88, longitude: -87.63, status: 'active' });
  });

  it('sends a coordinate that is not a number as typed, for the server to refuse by field', () => {
    const body = accountBody({
      name: 'X',
      street: '',
      city: '',
      region: '',
      postalCode: '',
      country: '',
      latitude: 'north',
      longitude: '',
      territory: '',
      industry: '',
      tier: 'A',
      status: 'active',
      externalSource: '',
      externalId: '',
    });
    expect(body.tier).toBe('A');
    expect(body.latitude).toBe('north');
    expect(JSON.parse(JSON.stringify(body)).latitude).toBe('north');
  });

  it('on an edit sends emptied fields as null (clearing them), keeps name and status, and sends the owner', () => {
    expect(
      accountBody(
        {
          name: 'Acme',
          street: '',
          city: ' Denver ',
          region: '',
          postalCode: '',
          country: '',
          latitude: '',
          longitude: '',
          territory: '',
          industry: 'Mining',
          tier: null,
          status: 'prospect',
          externalSource: 'salesforce',
          externalId: '001X',
          owner: { id: 'u1', name: 'Ari Rep' },
        },
        'edit',
      ),
    ).toEqual({
      name: 'Acme',
      street: null,
      city: 'Denver',
      region: null,
      postalCode: null,
      country: null,
      latitude: null,
      longitude: null,
      territory: null,
      industry: 'Mining',
      tier: null,
      status: 'prospect',
      externalSource: 'salesforce',
      externalId: '001X',
      ownerId: 'u1',
    });
  });
});
