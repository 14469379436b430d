import { Anchor, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import { PageHeader } from '../components/page-header.tsx';

export function NotFoundPage() {
  return (
    <Stack>
      <PageHeader title="Page not found" />
      <Text>There is nothing at this address.</Text>
      <Anchor component={Link} to="/">
        Back to Home
      </Anchor>
    </Stack>
  );
}
