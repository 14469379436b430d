import { Badge, Group, List, Text, ThemeIcon } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconX } from '@tabler/icons-react';
import type { SmartItem, SmartResult } from '../../../shared/smart-check.ts';

const LETTER_NAMES = {
  S: 'Specific',
  M: 'Measurable',
  A: 'Achievable',
  R: 'Relevant',
  T: 'Time-bound',
} as const;

const LOOK = {
  pass: { color: 'teal', icon: IconCheck, label: 'passes' },
  warn: { color: 'yellow', icon: IconAlertTriangle, label: 'warning' },
  fail: { color: 'red', icon: IconX, label: 'fails' },
} as const;

function Row({ item }: { item: SmartItem }) {
  const look = LOOK[item.verdict];
  const Icon = look.icon;
  return (
    <List.Item
      data-testid={`smart-${item.letter}`}
      data-verdict={item.verdict}
      icon={
        <ThemeIcon color={look.color} size={22} radius="xl" aria-hidden>
          <Icon size={14} />
        </ThemeIcon>
      }
    >
      <Text size="sm">
        <strong>
          {LETTER_NAMES[item.letter]} ({look.label}):
        </strong>{' '}
        {item.message}
      </Text>
    </List.Item>
  );
}

/** The five SMART verdicts with their sentences; says whether the goal can be agreed as it stands. */
export function SmartPanel({ result }: { result: SmartResult }) {
  return (
    <div aria-live="polite" data-testid="smart-panel">
      <Group gap="xs" mb="xs">
        <Text fw={600}>SMART check</Text>
        <Badge color={result.blocking ? 'red' : 'teal'} variant="light" data-testid="smart-summary">
          {result.blocking ? 'Fix the failures before it can be agreed' : 'Ready to agree'}
        </Badge>
      </Group>
      <List spacing={6} center>
        {result.items.map((item) => (
          <Row key={item.letter} item={item} />
        ))}
      </List>
    </div>
  );
}
