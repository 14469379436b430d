import { ActionIcon, Badge, Box, Collapse, Group, Menu, Paper, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconChevronDown,
  IconChevronRight,
  IconDots,
  IconPencil,
  IconTrash,
  IconUserStar,
} from '@tabler/icons-react';
import type { Team } from '../../lib/types.ts';
import type { TeamNode } from './teams-api.ts';

export interface TeamActions {
  onEdit: (team: Team) => void;
  onManagers: (team: Team) => void;
  onDelete: (team: Team) => void;
}

function TeamRow({ node, actions }: { node: TeamNode; actions: TeamActions }) {
  const [open, { toggle }] = useDisclosure(false);
  const { team } = node;
  const membersId = `team-members-${team.id}`;

  return (
    <Box component="li" style={{ listStyle: 'none' }}>
      <Paper withBorder p="sm" radius="md" data-testid="team-row">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="xs" wrap="nowrap" align="flex-start" miw={0}>
            <ActionIcon
              variant="subtle"
              color="gray"
              onClick={toggle}
              aria-expanded={open}
              aria-controls={membersId}
              aria-label={`${open ? 'Hide' : 'Show'} members of ${team.name}`}
            >
              {open ? <IconChevronDown size={16} aria-hidden /> : <IconChevronRight size={16} aria-hidden />}
            </ActionIcon>
            <Stack gap={4} miw={0}>
              <Text fw={600}>{team.name}</Text>
              <Group gap={6}>
                <Text size="sm" c="dimmed">
                  {team.members.length} {team.members.length === 1 ? 'member' : 'members'}
                </Text>
                {team.managers.length === 0 ? (
                  <Badge variant="outline" color="gray" size="sm">
                    No manager
                  </Badge>
                ) : (
                  team.managers.map((manager) => (
                    <Badge key={manager.id} variant="light" size="sm">
                      {manager.name}
                    </Badge>
                  ))
                )}
              </Group>
            </Stack>
          </Group>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${team.name}`}>
                <IconDots size={18} aria-hidden />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item
                leftSection={<IconPencil size={16} aria-hidden />}
                onClick={() => actions.onEdit(team)}
              >
                Rename or move
              </Menu.Item>
              <Menu.Item
                leftSection={<IconUserStar size={16} aria-hidden />}
                onClick={() => actions.onManagers(team)}
              >
                Set managers
              </Menu.Item>
              <Menu.Divider />
              <Menu.Item
                color="red"
                leftSection={<IconTrash size={16} aria-hidden />}
                onClick={() => actions.onDelete(team)}
              >
                Delete
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
        <Collapse expanded={open}>
          <Box id={membersId} pt="sm" pl={36}>
            {team.members.length === 0 ? (
              <Text size="sm" c="dimmed">
                No members yet. Assign people to this team on the Users page.
              </Text>
            ) : (
              <Group gap={6} component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Members">
                {team.members.map((member) => (
                  <Badge key={member.id} component="li" variant="outline" color="gray" tt="none">
                    {member.name}
                  </Badge>
                ))}
              </Group>
            )}
          </Box>
        </Collapse>
      </Paper>
      {node.children.length > 0 ? <TeamList nodes={node.children} actions={actions} nested /> : null}
    </Box>
  );
}

/** Teams as nested lists: each child team is indented under its parent. */
export function TeamList({
  nodes,
  actions,
  nested = false,
}: {
  nodes: readonly TeamNode[];
  actions: TeamActions;
  nested?: boolean;
}) {
  return (
    <Stack
      component="ul"
      gap="xs"
      m={0}
      py={0}
      pr={0}
      pl={nested ? { base: 'md', sm: 'xl' } : 0}
      mt={nested ? 'xs' : 0}
      aria-label={nested ? undefined : 'Teams'}
      style={
        nested
          ? { borderLeft: '2px solid var(--mantine-color-gray-3)', marginLeft: 'var(--mantine-spacing-sm)' }
          : undefined
      }
    >
      {nodes.map((node) => (
        <TeamRow key={node.team.id} node={node} actions={actions} />
      ))}
    </Stack>
  );
}
