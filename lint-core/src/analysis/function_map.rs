//! [`FunctionMap`]: a value for some of the program's functions, kept by file and index.

use super::FunctionRef;

/// A value for some of the program's functions, stored by file and index rather than
/// hashed: the lock walks keep one for each of hundreds of thousands of functions, and a
/// hash map's spare room held more than the values. Iterates in function order (by file,
/// then index: `FunctionRef`'s order), which the passes over the lock walks rely on.
#[derive(Debug)]
pub struct FunctionMap<T> {
    by_file: Vec<Vec<Option<(FunctionRef, T)>>>,
    len: usize,
}

impl<T> Default for FunctionMap<T> {
    fn default() -> Self {
        FunctionMap {
            by_file: Vec::new(),
            len: 0,
        }
    }
}

impl<T> FunctionMap<T> {
    pub fn get(&self, function: &FunctionRef) -> Option<&T> {
        self.by_file
            .get(function.file())?
            .get(function.index())?
            .as_ref()
            .map(|(_, value)| value)
    }

    pub fn contains_key(&self, function: &FunctionRef) -> bool {
        self.get(function).is_some()
    }

    /// The map of each file's slots by function index (`None`: no value), as a parallel
    /// pass over the files makes them (each slot holds its own function).
    pub fn from_files(by_file: Vec<Vec<Option<(FunctionRef, T)>>>) -> FunctionMap<T> {
        let len = by_file
            .iter()
            .flatten()
            .filter(|slot| slot.is_some())
            .count();
        FunctionMap { by_file, len }
    }

    /// Sets `function`'s value, replacing the one it had.
    pub fn insert(&mut self, function: FunctionRef, value: T) {
        let (file, index) = (function.file(), function.index());
        if self.by_file.len() <= file {
            self.by_file.resize_with(file + 1, Vec::new);
        }
        let slots = &mut self.by_file[file];
        if slots.len() <= index {
            slots.resize_with(index + 1, || None);
        }
        if slots[index].replace((function, value)).is_none() {
            self.len += 1;
        }
    }

    /// The functions with a value and their values, in function order.
    pub fn iter(&self) -> impl Iterator<Item = (&FunctionRef, &T)> {
        self.by_file
            .iter()
            .flatten()
            .flatten()
            .map(|(function, value)| (function, value))
    }

    pub fn keys(&self) -> impl Iterator<Item = &FunctionRef> {
        self.iter().map(|(function, _)| function)
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.iter().map(|(_, value)| value)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T> std::ops::Index<&FunctionRef> for FunctionMap<T> {
    type Output = T;

    fn index(&self, function: &FunctionRef) -> &T {
        self.get(function)
            .expect("a function of the map (only functions with a value are asked)")
    }
}

impl<T> Extend<(FunctionRef, T)> for FunctionMap<T> {
    fn extend<I: IntoIterator<Item = (FunctionRef, T)>>(&mut self, entries: I) {
        for (function, value) in entries {
            self.insert(function, value);
        }
    }
}

impl<T> FromIterator<(FunctionRef, T)> for FunctionMap<T> {
    fn from_iter<I: IntoIterator<Item = (FunctionRef, T)>>(entries: I) -> Self {
        let mut map = FunctionMap::default();
        map.extend(entries);
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_values_by_function_and_iterates_in_function_order() {
        let mut map: FunctionMap<&str> = [
            (FunctionRef::new(2, 1), "c"),
            (FunctionRef::new(0, 3), "a"),
            (FunctionRef::new(2, 0), "b"),
        ]
        .into_iter()
        .collect();
        map.insert(FunctionRef::new(2, 1), "d");
        assert_eq!(map.len(), 3);
        assert_eq!(map.get(&FunctionRef::new(0, 3)), Some(&"a"));
        assert_eq!(map.get(&FunctionRef::new(0, 2)), None);
        assert_eq!(map.get(&FunctionRef::new(5, 0)), None);
        assert!(!map.contains_key(&FunctionRef::new(1, 0)));
        assert_eq!(map[&FunctionRef::new(2, 1)], "d");
        let order: Vec<&str> = map.values().copied().collect();
        assert_eq!(order, ["a", "b", "d"]);
        let from_files = FunctionMap::from_files(vec![
            vec![None, Some((FunctionRef::new(0, 1), "a"))],
            vec![],
            vec![Some((FunctionRef::new(2, 0), "b"))],
        ]);
        assert_eq!(from_files.len(), 2);
        assert_eq!(from_files.get(&FunctionRef::new(2, 0)), Some(&"b"));
        assert!(!from_files.contains_key(&FunctionRef::new(0, 0)));
        assert_eq!(from_files.keys().count(), 2);
    }
}
