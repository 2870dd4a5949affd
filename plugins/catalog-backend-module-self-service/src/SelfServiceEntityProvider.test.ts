import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { DiscoveryService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { SelfServiceEntityProvider } from './SelfServiceEntityProvider';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function component(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      annotations: {
        'backstage.io/managed-by-location': 'self-service:run/1',
        'backstage.io/managed-by-origin-location': 'self-service:run/1',
      },
    },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

function json(body: unknown, status = 200): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

describe('SelfServiceEntityProvider', () => {
  let server: Server;
  let baseUrl: string;
  /** The answers to the next requests, in order; the last one repeats. */
  let handlers: Handler[];
  let requests: { url: URL; authorization?: string }[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      requests.push({ url, authorization: req.headers.authorization });
      if (url.pathname !== '/api/self-service/catalog/entities') {
        res.writeHead(404).end();
        return;
      }
      const handler = handlers.length > 1 ? handlers.shift()! : handlers[0];
      handler(req, res);
    });
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    const { port } = server.address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}/api/self-service`;
  });

  afterAll(async () => {
    await new Promise<void>(resolve => server.close(() => resolve()));
  });

  let now: number;
  let mutations: EntityProviderMutation[];
  let connection: EntityProviderConnection;
  let logger: ReturnType<typeof mockServices.logger.mock>;
  let discovery: DiscoveryService;

  beforeEach(() => {
    handlers = [];
    requests = [];
    now = 1_000_000;
    mutations = [];
    connection = {
      applyMutation: jest.fn(async (mutation: EntityProviderMutation) => {
        mutations.push(mutation);
      }),
      refresh: jest.fn(),
    };
    logger = mockServices.logger.mock();
    discovery = {
      getBaseUrl: jest.fn(async () => baseUrl),
      getExternalBaseUrl: jest.fn(async () => baseUrl),
    };
  });

  async function connectedProvider(
    options: { fullEvery?: { minutes?: number; seconds?: number } } = {},
  ) {
    const provider = new SelfServiceEntityProvider({
      discovery,
      auth: mockServices.auth({ pluginId: 'catalog' }),
      logger,
      fullEvery: options.fullEvery,
      now: () => now,
    });
    await provider.connect(connection);
    return provider;
  }

  it('is named self-service', () => {
    const provider = new SelfServiceEntityProvider({
      discovery,
      auth: mockServices.auth(),
      logger,
    });
    expect(provider.getProviderName()).toBe('self-service');
  });

  it('applies a full mutation with location keys on the first refresh', async () => {
    handlers = [
      json({
        entities: [component('a'), component('B')],
        removed: [],
        cursor: 'c1',
        full: true,
      }),
    ];
    const provider = await connectedProvider();

    await provider.refresh();

    expect(requests).toHaveLength(1);
    expect(requests[0].url.searchParams.has('after')).toBe(false);
    expect(mutations).toEqual([
      {
        type: 'full',
        entities: [
          {
            entity: component('a'),
            locationKey: 'self-service:component:default/a',
          },
          {
            entity: component('B'),
            locationKey: 'self-service:component:default/b',
          },
        ],
      },
    ]);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('sends a service token for the self-service plugin', async () => {
    handlers = [json({ entities: [], removed: [], cursor: 'c1', full: true })];
    const provider = await connectedProvider();

    await provider.refresh();

    expect(discovery.getBaseUrl).toHaveBeenCalledWith('self-service');
    const authorization = requests[0].authorization ?? '';
    expect(authorization).toMatch(/^Bearer /);
    const credentials = await mockServices
      .auth({ pluginId: 'self-service' })
      .authenticate(authorization.slice('Bearer '.length));
    expect(credentials.principal).toEqual({
      type: 'service',
      subject: 'plugin:catalog',
    });
  });

  it('asks for the changes after the cursor and applies them as a delta', async () => {
    handlers = [
      json({
        entities: [component('a')],
        removed: [],
        cursor: 'c1',
        full: true,
      }),
      json({
        entities: [component('b')],
        removed: ['component:default/a'],
        cursor: 'c2',
        full: false,
      }),
      json({ entities: [], removed: [], cursor: 'c3', full: false }),
    ];
    const provider = await connectedProvider();

    await provider.refresh();
    await provider.refresh();
    await provider.refresh();

    expect(requests.map(r => r.url.searchParams.get('after'))).toEqual([
      null,
      'c1',
      'c2',
    ]);
    expect(mutations[1]).toEqual({
      type: 'delta',
      added: [
        {
          entity: component('b'),
          locationKey: 'self-service:component:default/b',
        },
      ],
      removed: [
        {
          entityRef: 'component:default/a',
          locationKey: 'self-service:component:default/a',
        },
      ],
    });
  });

  it('applies nothing for an empty delta but moves on to its cursor', async () => {
    handlers = [
      json({ entities: [], removed: [], cursor: 'c1', full: true }),
      json({ entities: [], removed: [], cursor: 'c2', full: false }),
      json({ entities: [], removed: [], cursor: 'c3', full: false }),
    ];
    const provider = await connectedProvider();

    await provider.refresh();
    await provider.refresh();
    await provider.refresh();

    expect(mutations.map(m => m.type)).toEqual(['full']);
    expect(requests.map(r => r.url.searchParams.get('after'))).toEqual([
      null,
      'c1',
      'c2',
    ]);
  });

  it.each([
    [
      'an HTTP 500',
      ((_req, res) => {
        res.writeHead(500).end('boom');
      }) as Handler,
      /HTTP 500/,
    ],
    [
      'invalid JSON',
      ((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"entities": [');
      }) as Handler,
      /invalid JSON/,
    ],
    [
      'an answer of another shape',
      json({ items: [] }),
      /without entities, removed, cursor and full/,
    ],
    [
      'a dropped connection',
      ((req, _res) => {
        req.socket.destroy();
      }) as Handler,
      /failed, will retry/,
    ],
  ])(
    'keeps the cursor after %s and retries from it',
    async (_, failure, warning) => {
      handlers = [
        json({ entities: [], removed: [], cursor: 'c1', full: true }),
        failure,
        json({
          entities: [component('b')],
          removed: [],
          cursor: 'c2',
          full: false,
        }),
      ];
      const provider = await connectedProvider();

      await provider.refresh();
      await expect(provider.refresh()).resolves.toBeUndefined();
      await provider.refresh();

      expect(requests.map(r => r.url.searchParams.get('after'))).toEqual([
        null,
        'c1',
        'c1',
      ]);
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(warning));
      expect(mutations.map(m => m.type)).toEqual(['full', 'delta']);
    },
  );

  it('retries the first full read until it succeeds', async () => {
    handlers = [
      (_req, res) => {
        res.writeHead(503).end();
      },
      json({
        entities: [component('a')],
        removed: [],
        cursor: 'c1',
        full: true,
      }),
    ];
    const provider = await connectedProvider();

    await provider.refresh();
    await provider.refresh();

    expect(requests.map(r => r.url.searchParams.get('after'))).toEqual([
      null,
      null,
    ]);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/HTTP 503/));
    expect(mutations.map(m => m.type)).toEqual(['full']);
  });

  it('does not throw when the self-service backend cannot be found', async () => {
    discovery.getBaseUrl = jest.fn(async () => {
      throw new Error('no such plugin');
    });
    const provider = await connectedProvider();

    await expect(provider.refresh()).resolves.toBeUndefined();

    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/no such plugin/),
    );
  });

  it('keeps the cursor when the catalog refuses the mutation', async () => {
    handlers = [
      json({ entities: [], removed: [], cursor: 'c1', full: true }),
      json({
        entities: [component('b')],
        removed: [],
        cursor: 'c2',
        full: false,
      }),
    ];
    const provider = await connectedProvider();
    await provider.refresh();
    (connection.applyMutation as jest.Mock).mockRejectedValueOnce(
      new Error('database is locked'),
    );

    await expect(provider.refresh()).resolves.toBeUndefined();
    await provider.refresh();

    expect(requests.map(r => r.url.searchParams.get('after'))).toEqual([
      null,
      'c1',
      'c1',
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/database is locked/),
    );
  });

  it('reads everything again after fullEvery', async () => {
    handlers = [
      json({
        entities: [component('a')],
        removed: [],
        cursor: 'c1',
        full: true,
      }),
      json({ entities: [], removed: [], cursor: 'c2', full: false }),
      json({
        entities: [component('b')],
        removed: [],
        cursor: 'c3',
        full: true,
      }),
      json({ entities: [], removed: [], cursor: 'c4', full: false }),
    ];
    const provider = await connectedProvider({ fullEvery: { minutes: 5 } });

    await provider.refresh();
    now += 5 * 60_000 - 1;
    await provider.refresh();
    now += 1;
    await provider.refresh();
    now += 1000;
    await provider.refresh();

    expect(requests.map(r => r.url.searchParams.get('after'))).toEqual([
      null,
      'c1',
      null,
      'c3',
    ]);
    expect(mutations).toEqual([
      {
        type: 'full',
        entities: [
          {
            entity: component('a'),
            locationKey: 'self-service:component:default/a',
          },
        ],
      },
      {
        type: 'full',
        entities: [
          {
            entity: component('b'),
            locationKey: 'self-service:component:default/b',
          },
        ],
      },
    ]);
  });

  it('reads everything again every 10 minutes by default', async () => {
    handlers = [json({ entities: [], removed: [], cursor: 'c1', full: true })];
    const provider = await connectedProvider();

    await provider.refresh();
    now += 10 * 60_000 - 1;
    handlers = [json({ entities: [], removed: [], cursor: 'c2', full: false })];
    await provider.refresh();
    now += 1;
    handlers = [json({ entities: [], removed: [], cursor: 'c3', full: true })];
    await provider.refresh();

    expect(requests.map(r => r.url.searchParams.get('after'))).toEqual([
      null,
      'c1',
      null,
    ]);
  });

  it('applies a full mutation when the server no longer knows the cursor', async () => {
    handlers = [
      json({
        entities: [component('a')],
        removed: [],
        cursor: 'c1',
        full: true,
      }),
      json({
        entities: [component('b')],
        removed: [],
        cursor: 'c9',
        full: true,
      }),
      json({ entities: [], removed: [], cursor: 'c10', full: false }),
    ];
    const provider = await connectedProvider();

    await provider.refresh();
    await provider.refresh();
    await provider.refresh();

    expect(requests.map(r => r.url.searchParams.get('after'))).toEqual([
      null,
      'c1',
      'c9',
    ]);
    expect(mutations.map(m => m.type)).toEqual(['full', 'full']);
    expect(mutations[1]).toEqual({
      type: 'full',
      entities: [
        {
          entity: component('b'),
          locationKey: 'self-service:component:default/b',
        },
      ],
    });
  });

  it('skips entities without a kind or a name', async () => {
    handlers = [
      json({
        entities: [component('a'), { kind: 'Component', metadata: {} }],
        removed: [],
        cursor: 'c1',
        full: true,
      }),
    ];
    const provider = await connectedProvider();

    await provider.refresh();

    expect(mutations).toEqual([
      {
        type: 'full',
        entities: [
          {
            entity: component('a'),
            locationKey: 'self-service:component:default/a',
          },
        ],
      },
    ]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('reads nothing before the catalog connects it', async () => {
    const provider = new SelfServiceEntityProvider({
      discovery,
      auth: mockServices.auth({ pluginId: 'catalog' }),
      logger,
    });

    await provider.refresh();

    expect(requests).toEqual([]);
  });

  it('shares one read between overlapping refreshes', async () => {
    handlers = [json({ entities: [], removed: [], cursor: 'c1', full: true })];
    const provider = await connectedProvider();

    await Promise.all([provider.refresh(), provider.refresh()]);

    expect(requests).toHaveLength(1);
    expect(mutations).toHaveLength(1);
  });
});
