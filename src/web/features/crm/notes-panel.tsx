import { Alert, Button, Card, Group, Loader, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { formatDateTime } from '../../lib/locale.ts';
import { errorMessage, notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { addNote, NOTES_KEY, notesQuery } from './crm-api.ts';
import type { NoteEntity } from './crm-types.ts';
import { MarkdownText } from './markdown-text.tsx';

const NOTE_FIELDS = ['body'] as const;

/** The Markdown notes of a record, newest first, with a form to add one. */
export function NotesPanel({ entityType, entityId }: { entityType: NoteEntity; entityId: string }) {
  const me = useSession();
  const queryClient = useQueryClient();
  const notes = useQuery(notesQuery(entityType, entityId));
  const [body, setBody] = useState('');
  const form = useFormErrors(NOTE_FIELDS);
  const add = useMutation({
    mutationFn: () => addNote(entityType, entityId, body),
    onSuccess: async () => {
      setBody('');
      form.clear();
      notifySuccess('Note added');
      await queryClient.invalidateQueries({ queryKey: NOTES_KEY });
    },
    onError: (error) => form.handleError(error, 'Could not add the note'),
  });

  return (
    <Stack gap="sm">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          add.mutate();
        }}
      >
        <Stack gap="xs">
          <Textarea
            label="New note"
            description="Markdown: **bold**, _italic_, lists, links."
            autosize
            minRows={2}
            value={body}
            onChange={(event) => setBody(event.currentTarget.value)}
            error={form.errors.body}
          />
          <Group>
            <Button type="submit" loading={add.isPending} disabled={!body.trim()}>
              Add note
            </Button>
          </Group>
        </Stack>
      </form>
      {notes.isPending ? <Loader size="sm" aria-label="Loading notes" /> : null}
      {notes.isError ? (
        <Alert color="red" role="alert">
          Could not load notes: {errorMessage(notes.error)}
        </Alert>
      ) : null}
      {notes.data && notes.data.length === 0 ? <Text c="dimmed">No notes yet.</Text> : null}
      {notes.data?.map((note) => (
        <Card key={note.id} withBorder padding="sm" radius="sm" data-testid="note">
          <Text size="xs" c="dimmed" mb={4}>
            {note.author.name} · {formatDateTime(note.createdAt, me.org.timeZone)}
          </Text>
          <MarkdownText text={note.body} />
        </Card>
      ))}
    </Stack>
  );
}
